import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const manifest = `
organization: { management: General }
accounts:
  - { name: General, email: aws+general@example.com }
`;

/** A directory lz cannot write: permission bits for a normal user; root ignores them, so a read-only /sys. */
function makeUnwritable(path: string): void {
  if (process.getuid?.() === 0) symlinkSync('/sys', path);
  else {
    mkdirSync(path);
    chmodSync(path, 0o500);
  }
}

describe("lz's working directory (.lz)", () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest);
  });
  afterAll(async () => {
    if (existsSync(join(w.dir, '.lz'))) chmodSync(join(w.dir, '.lz'), 0o700);
    await w.close();
  });
  const reset = () => {
    const p = join(w.dir, '.lz');
    try {
      chmodSync(p, 0o700);
    } catch {
      // not there, or a symlink into /sys
    }
    rmSync(p, { recursive: true, force: true });
  };

  for (const [what, make] of [
    ['unwritable', makeUnwritable],
    ['a regular file', (p: string) => writeFileSync(p, 'not a directory\n')],
  ] as const) {
    it(`apply with a .lz that is ${what}: a clear error naming it, exit 1, no write to AWS`, async () => {
      reset();
      make(join(w.dir, '.lz'));
      w.sandbox.clearRequests();
      const r = await w.lz('apply', '--auto-approve');
      expect(r.code).toBe(1);
      expect(r.err).toContain(`cannot use lz's working directory ${join(w.dir, '.lz')}`);
      expect(r.err).toContain('hint:');
      expect(r.err).not.toContain('internal error');
      expect(r.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(w.sandbox.requests()).toEqual([]);
    });
  }

  for (const [option, dir, file] of [
    ['--log-file', 'logs', 'lz.log'],
    ['--out', 'out', 'plan.json'],
  ] as const) {
    it(`an unwritable ${option} directory is a clear error naming the file`, async () => {
      reset();
      makeUnwritable(join(w.dir, dir));
      const r = await w.lz('plan', option, `${dir}/${file}`);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`cannot write ${join(w.dir, dir, file)}`);
      expect(r.err).not.toContain('internal error');
      rmSync(join(w.dir, dir), { force: true, recursive: true });
    });
  }

  it('creates .lz 0700; plans, logs and reports follow the umask', async () => {
    reset();
    const umask = process.umask();
    const r = await w.lz('apply', '--auto-approve', '--log-file', 'lz.log', '--log-level', 'debug');
    expect(r.code, r.err).toBe(0);
    expect(statSync(join(w.dir, '.lz')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(w.dir, '.lz'))).not.toContainEqual(expect.stringMatching(/write-check/));
    expect((await w.lz('plan', '--out', 'plan.json')).code).toBe(0);
    expect((await w.lz('drift', '--output', 'drift.md')).code).not.toBe(1);
    for (const f of ['plan.json', 'lz.log', 'drift.md']) expect(statSync(join(w.dir, f)).mode & 0o777, f).toBe(0o666 & ~umask);
  });
});
