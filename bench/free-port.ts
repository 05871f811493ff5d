import { execFileSync } from 'node:child_process';

/** A free UDP/TCP port, found synchronously by a tiny child process binding port 0. */
export function freePortSync(): number {
  const out = execFileSync(process.execPath, [
    '-e',
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
  ]);
  return Number(String(out).trim());
}
