import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const manifest = `
organization: { management: General, units: [Teams] }
defaults:
  iamAdmin: { user: IAMADMIN, group: Administrators, consoleAccess: true, requireMfa: true }
  passwordPolicy: { minimumLength: 16 }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Data, email: aws+data@example.com, unit: Teams }
  - { name: Web, email: aws+web@example.com, unit: Teams }
`;

/** Every file under a directory, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('secrets never leave their files', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest);
  });
  afterAll(async () => w.close());

  it('no password, secret key or session token in anything lz writes during plan and apply', async () => {
    const written: string[] = [];
    const run = async (...args: string[]) => {
      const r = await w.lz(...args, '--log-level', 'trace', '--log-file', '.lz/lz.log');
      written.push(r.out, r.err);
      return r;
    };
    expect((await run('plan', '--json', '--out', 'plan.json')).code).toBe(0);
    expect((await run('apply', 'plan.json')).code).toBe(0);
    expect((await run('plan', '--json')).code).toBe(0);
    expect((await run('drift', '--format', 'json')).code).not.toBe(1);

    const secretsDir = join(w.dir, '.lz', 'secrets');
    const secretFiles = files(secretsDir);
    expect(secretFiles.map((f) => f.slice(secretsDir.length + 1)).sort()).toEqual(['Data/IAMADMIN.txt', 'General/IAMADMIN.txt', 'Web/IAMADMIN.txt']);
    const passwords = secretFiles.map((f) => /^Initial password:\s*(\S+)\s*$/m.exec(readFileSync(f, 'utf8'))?.[1]);
    for (const p of passwords) expect(p?.length, 'each file holds one password').toBeGreaterThanOrEqual(16);

    // Everything else lz wrote: the saved plan, the journal, the log file.
    for (const f of files(join(w.dir, '.lz')).filter((f) => !f.startsWith(secretsDir))) written.push(readFileSync(f, 'utf8'));
    written.push(readFileSync(join(w.dir, 'plan.json'), 'utf8'));
    expect(existsSync(join(w.dir, '.lz', 'lz.log'))).toBe(true);
    // The log holds every call, with its parameters (trace): the passwords went by in CreateLoginProfile.
    const log = readFileSync(join(w.dir, '.lz', 'lz.log'), 'utf8');
    expect(log.match(/"operation":"CreateLoginProfile"[^\n]*"Password":"\[redacted\]"/g)).toHaveLength(3);
    expect(log).toContain('"operation":"AssumeRole"');

    // The credentials of every principal lz used (the management key, each assumed role's session).
    const credentials = Object.values(w.sandbox.state.accessKeys).flatMap((k) => [k.secretAccessKey, ...(k.sessionToken ? [k.sessionToken] : [])]);
    expect(credentials.length).toBeGreaterThan(3);
    const everything = written.join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    for (const secret of [...(passwords as string[]), ...credentials]) expect(everything.includes(secret), `a secret leaked (${secret.slice(0, 4)}…)`).toBe(false);
  });

  it('keeps each password in a 0600 file inside 0700 directories', () => {
    const secretsDir = join(w.dir, '.lz', 'secrets');
    expect(statSync(secretsDir).mode & 0o777).toBe(0o700);
    expect(files(secretsDir)).toHaveLength(3);
    for (const f of files(secretsDir)) {
      expect(statSync(f).mode & 0o777, f).toBe(0o600);
      expect(statSync(join(f, '..')).mode & 0o777, f).toBe(0o700);
    }
  });
});
