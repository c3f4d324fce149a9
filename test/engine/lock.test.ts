import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
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
    expect(unlocked.out).toContain('Released the lock here held by alice@');
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect((await w.lz('unlock')).out).toContain('No lock is held here.');
  });

  it('takes over a lock whose process is gone (a crashed run on this host)', async () => {
    const holder = { who: 'bob', host: hostname(), pid: 2 ** 22 + 12345, command: 'apply', since: '2026-11-23T09:00:00.000Z' };
    writeFileSync(join(w.dir, '.lz', 'apply.lock'), JSON.stringify(holder));
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(existsSync(join(w.dir, '.lz', 'apply.lock'))).toBe(false);
  });

  it('never takes over a lock from another host: whether that process lives cannot be known here', async () => {
    const holder = { who: 'carol', host: 'another-host', pid: 2 ** 22 + 12345, command: 'apply', since: '2026-11-23T09:00:00.000Z' };
    writeFileSync(join(w.dir, '.lz', 'apply.lock'), JSON.stringify(holder));
    const refused = await w.lz('apply', '--auto-approve');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('carol@another-host');
    expect((await w.lz('unlock')).code).toBe(0);
  });
});

// The lock bucket may live in another Region than the one lz runs in (S3 answers 301 there).
describe.each(['us-east-1', 'eu-west-1'])('in CI, the lock is an S3 object (the bucket in %s, lz in us-east-1)', (bucketRegion) => {
  let w: TestWorld;
  let s3: S3Client;
  const bucket = 'lz-ci-locks';
  const withLock = manifest.replace('organization: { management: General, units: [Teams] }', `organization: { management: General, units: [Teams], lock: { bucket: ${bucket} } }`);
  /** Another CI machine: a fresh working directory (no local lock) with the same file. */
  const machine = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-ci-'));
    writeFileSync(join(dir, 'accounts.yaml'), withLock);
    return async (...args: string[]) => {
      const io = bufferIO({ cwd: dir, env: process.env });
      const code = await runCli(args, io);
      return { code, out: io.out(), err: io.err() };
    };
  };
  const lockHeld = () =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'lz/apply.lock' })).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    s3 = new S3Client({ region: bucketRegion, endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ...(bucketRegion === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }) }));
  });
  afterAll(async () => {
    s3.destroy();
    await w.close();
  });

  it('lets exactly one of two machines apply at once, and leaves no lock behind', async () => {
    const [a, b] = await Promise.all([machine()('apply', '--auto-approve'), machine()('apply', '--auto-approve')]);
    const refused = [a, b].filter((r) => r.code === 1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.err).toMatch(/Another lz run holds the lock \(s3:\/\/lz-ci-locks\/lz\/apply\.lock\): .*\(pid \d+, `lz apply`\) since /);
    expect([a, b].filter((r) => r.code === 0)).toHaveLength(1);
    expect(await lockHeld()).toBe(false);
  });

  it("refuses while a crashed run's lock stays, and lz unlock breaks it", async () => {
    const holder = { who: 'ci', host: 'runner-7', pid: 4242, command: 'apply', since: '2026-11-23T08:00:00.000Z' };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'lz/apply.lock', Body: JSON.stringify(holder) }));
    const run = machine();
    w.sandbox.clearRequests();
    const refused = await run('apply', '--auto-approve');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('ci@runner-7 (pid 4242, `lz apply`) since 2026-11-23T08:00:00.000Z');
    expect(w.sandbox.requests().filter((r) => !r.readOnly && r.service !== 's3')).toEqual([]);
    const unlocked = await run('unlock');
    expect(unlocked.out).toContain('Released the lock in s3://lz-ci-locks held by ci@runner-7');
    expect(await lockHeld()).toBe(false);
    expect((await run('apply', '--auto-approve')).code).toBe(0);
    expect(await lockHeld()).toBe(false);
  });
});
