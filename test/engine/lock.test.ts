import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldAccounts } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const manifest = `
organization: { management: General, units: [Teams] }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Data, email: aws+data@example.com, unit: Teams }
`;

describe('two applies never interleave', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest);
  });
  afterAll(async () => w.close());

  it('refuses the second of two concurrent applies, naming who holds the lock and since when', async () => {
    const [first, second] = await Promise.all([w.lz('apply', '--auto-approve'), w.lz('apply', '--auto-approve')]);
    const refused = [first, second].filter((r) => r.code === 1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.err).toMatch(/Another lz run holds the lock .*apply\.lock.*\(pid \d+, `lz apply`\) since \d{4}-\d\d-\d\dT/);
    expect([first, second].filter((r) => r.code === 0)).toHaveLength(1);
    // Exactly one account was created: the refused run wrote nothing.
    expect((await heldAccounts(w.organizations)).filter((a) => a.email === 'aws+data@example.com')).toHaveLength(1);
    expect(existsSync(join(w.dir, '.lz', 'apply.lock'))).toBe(false);
  });

  it('refuses while a live process holds the lock, and lz unlock releases it', async () => {
    mkdirSync(join(w.dir, '.lz'), { recursive: true });
    const holder = { who: 'alice', host: hostname(), pid: process.pid, command: 'apply', since: '2026-11-23T09:00:00.000Z' };
    writeFileSync(join(w.dir, '.lz', 'apply.lock'), JSON.stringify(holder));
    w.sandbox.clearRequests();
    const refused = await w.lz('apply', '--auto-approve');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`alice@${hostname()} (pid ${process.pid}, \`lz apply\`) since 2026-11-23T09:00:00.000Z`);
    expect(refused.err).toContain('lz unlock');
    expect(w.sandbox.requests()).toEqual([]);

    const unlocked = await w.lz('unlock');
    expect(unlocked.out).toContain('Released the lock held by alice@');
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect((await w.lz('unlock')).out).toContain('No lock is held here.');
  });

  it('takes over a lock whose process is gone (a crashed run on this host)', async () => {
    const holder = { who: 'bob', host: hostname(), pid: 2 ** 22 + 12345, command: 'apply', since: '2026-11-23T09:00:00.000Z' };
    writeFileSync(join(w.dir, '.lz', 'apply.lock'), JSON.stringify(holder));
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
  });
});
