/**
 * `npm run inventory:import -- file.json [--url http://host:3000] [--token TOKEN]`
 * Sends an inventory file (the body of POST /api/v1/inventory/import) to a running Safeguards,
 * so the import takes the same validation and the same index refresh as any other client.
 * Token: --token, else SAFEGUARDS_TOKEN, else ADMIN_TOKEN.
 */
import { readFileSync } from 'node:fs';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const url = opt('--url') ?? process.env.SAFEGUARDS_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const token = opt('--token') ?? process.env.SAFEGUARDS_TOKEN ?? process.env.ADMIN_TOKEN;
  const file = args[0];
  if (!file) throw new Error('usage: npm run inventory:import -- file.json [--url URL] [--token TOKEN]');
  if (!token) throw new Error('no token: pass --token or set SAFEGUARDS_TOKEN or ADMIN_TOKEN');
  const body = readFileSync(file, 'utf8');
  JSON.parse(body); // fail early, with the parser's position, on a broken file
  const res = await fetch(`${url}/api/v1/inventory/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const text = await res.text();
  if (!res.ok) {
    console.error(`import failed: HTTP ${res.status}\n${text}`);
    process.exit(1);
  }
  console.log(text);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
