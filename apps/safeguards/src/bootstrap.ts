import 'reflect-metadata';
import { ConfigError, loadConfig, type ProcessRole } from '@sg/common';
import { createApp } from './create-app';

/**
 * Starts a process running the given roles (default: the ROLES variable, which defaults to all).
 * A bad configuration stops start-up with each bad variable named, before anything connects.
 */
export async function bootstrap(roles?: ProcessRole[]): Promise<void> {
  try {
    // A .env file beside the process is optional; real environment variables win.
    process.loadEnvFile?.('.env');
  } catch {
    // no .env file
  }
  let cfg;
  try {
    cfg = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const i of err.issues) process.stderr.write(`configuration error: ${i.variable} ${i.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const run = roles ?? cfg.ROLES;
  const app = await createApp(run, cfg);
  await app.listen(cfg.PORT, cfg.HOST);
}
