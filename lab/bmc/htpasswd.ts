/** The htpasswd line sushy-emulator authenticates against (bcrypt, the only digest it accepts). */
import { spawn } from 'node:child_process';

/**
 * Returns `username:$2b$…` for `password`, hashed by `python` (a Python with the `bcrypt` module:
 * sushy's venv). The password goes by stdin, never on a command line.
 */
export function bcryptHtpasswdLine(python: string, username: string, password: string): Promise<string> {
  // Cost 4, the minimum: sushy checks the password on every request (it has no sessions), and at
  // bcrypt's default cost of 12 each check takes a quarter of a second on a small machine.
  const script =
    'import sys, bcrypt; sys.stdout.write(bcrypt.hashpw(sys.stdin.buffer.read(), bcrypt.gensalt(rounds=4)).decode())';
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 && out.startsWith('$2')
        ? resolve(`${username}:${out}`)
        : reject(new Error(`bcrypt hashing failed: ${err.trim()}`)),
    );
    child.stdin.end(password);
  });
}
