/** The admin token of test processes (ADMIN_TOKEN), and a fetch helper that sends it. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** fetch with the admin token (or the given one) and JSON handling. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}
