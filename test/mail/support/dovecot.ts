import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort } from '../../support/redis-server';

export interface Dovecot {
  /** IMAP_URL for `user`, mailbox INBOX. */
  url: string;
  port: number;
  user: string;
  password: string;
  stop: () => Promise<void>;
}

/**
 * A throw-away Dovecot IMAP server (Debian's dovecot-imapd, installed by .ci/run) on a free
 * loopback port: plain-text login, one static password for any user, Maildir under a temp dir.
 * Mail is stored as the system user `mail` (Dovecot refuses to keep mail as root).
 */
export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-dovecot-'));
  const home = join(dir, 'home');
  for (const d of ['home', 'run', 'state']) mkdirSync(join(dir, d));
  const mail = mailUser();
  // mkdtemp makes the directory private to root; the mail user must reach its home inside it.
  chmodSync(dir, 0o755);
  if (userInfo().uid === 0) chownSync(home, mail.uid, mail.gid);
  const port = await freePort();
  const password = 'imap-test-secret';
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${mail.uid}
first_valid_gid = ${mail.gid}
mail_location = maildir:~/Maildir
passdb {
  driver = static
  args = password=${password}
}
userdb {
  driver = static
  args = uid=${mail.uid} gid=${mail.gid} home=${home}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );
  const proc: ChildProcess = spawn('dovecot', ['-F', '-c', conf], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      let log = '';
      try {
        log = readFileSync(join(dir, 'dovecot.log'), 'utf8');
      } catch {
        // no log yet
      }
      throw new Error(`dovecot did not start on port ${port}: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const user = 'owner';
  return {
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    port,
    user,
    password,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        proc.once('exit', done);
        proc.kill('SIGTERM');
      }),
  };
}

function mailUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('mail:'));
  if (!line) throw new Error('no system user "mail" to keep test mail as');
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}
