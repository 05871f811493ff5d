import { api } from '../../support/test-app';
import { waitFor } from './wait-for';

/** Cases as the responder API shows them, and waits for what a test expects of them. */
export function caseReader(baseUrl: string, defaultTimeoutMs = 10_000) {
  const get = async (id: string) => (await api(baseUrl, 'GET', `/api/v1/cases/${id}`)).body;
  return {
    get,
    /** The newest case of the VM and kind, once there is one. */
    caseFor: (vmId: string, kind: string, timeoutMs = defaultTimeoutMs) =>
      waitFor(
        async () => (await api(baseUrl, 'GET', `/api/v1/cases?vmId=${vmId}&kind=${kind}`)).body[0],
        timeoutMs,
        `a ${kind} case`,
      ),
    /** The case once it has the status. */
    statusIs: (id: string, status: string, timeoutMs = defaultTimeoutMs) =>
      waitFor(
        async () => {
          const c = await get(id);
          return c.status === status ? c : null;
        },
        timeoutMs,
        `case ${id} to be ${status}`,
      ),
  };
}
