/**
 * A worker-role Safeguards process for crash tests: started as a child process (ts-node) so a
 * test can SIGKILL it mid-job, as a machine failure would. Configuration comes from its
 * environment only; it prints "ready" once it consumes jobs.
 */
import 'reflect-metadata';
import { loadConfig } from '@sg/common';
import { createApp } from '../../../apps/safeguards/src/create-app';

void (async () => {
  const app = await createApp(['worker'], loadConfig(process.env));
  await app.listen(0, '127.0.0.1');
  process.stdout.write('ready\n');
})();
