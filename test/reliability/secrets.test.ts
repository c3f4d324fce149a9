import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountFolder } from '../../src/secrets.js';
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
    expect(secretFiles.map((f) => f.slice(secretsDir.length + 1)).sort()).toEqual(['Data', 'General', 'Web'].map((a) => `${accountFolder(a)}/IAMADMIN.txt`).sort());
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

describe('accounts whose names look alike on disk', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(`
organization: { management: General }
defaults:
  iamAdmin: { user: IAMADMIN, group: Administrators, consoleAccess: true }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Dev Ops, email: aws+devops1@example.com }
  - { name: Dev_Ops, email: aws+devops2@example.com }
  - { name: Dev/Ops, email: aws+devops3@example.com }
`);
  });
  afterAll(async () => w.close());

  it('keep one initial password each: the folder holds a hash of the exact name, stable across runs', async () => {
    const r = await w.lz('apply', '--auto-approve');
    expect(r.code, r.err).toBe(0);
    const names = ['Dev Ops', 'Dev_Ops', 'Dev/Ops'];
    const folders = names.map(accountFolder);
    expect(new Set(folders).size).toBe(3);
    expect(folders.every((f) => f.startsWith('Dev_Ops-'))).toBe(true);
    expect(accountFolder('Dev Ops')).toBe(folders[0]);
    const secretsDir = join(w.dir, '.lz', 'secrets');
    for (const [i, name] of names.entries()) {
      const text = readFileSync(join(secretsDir, folders[i]!, 'IAMADMIN.txt'), 'utf8');
      expect(text, name).toContain(name);
      // The password in the file is the one IAM holds for that account's user.
      const password = /^Initial password:\s*(\S+)\s*$/m.exec(text)?.[1];
      const account = Object.values(w.sandbox.state.accounts).find((a) => a.name === name)!;
      expect(account.iam.users.IAMADMIN?.loginProfile?.passwordSha256, name).toBe(createHash('sha256').update(password ?? '').digest('hex'));
    }
  });
});
