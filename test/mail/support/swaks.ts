import { spawn } from 'node:child_process';

/**
 * Runs the real SMTP client swaks (Debian package swaks) against 127.0.0.1:port. Resolves with its
 * exit code and the SMTP conversation it prints (`<** 552 ...` lines are refusals).
 */
export function swaks(port: number, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('swaks', ['--server', '127.0.0.1', '--port', String(port), '--timeout', '20s', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (out += String(d)));
    p.once('error', reject);
    p.once('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}
