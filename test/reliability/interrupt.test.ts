import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { lzProcess, type Run } from '../helpers/child.js';
import { heldAccounts } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const BUCKET = 'lz-locks';

const manifest = (lock: boolean) => `
organization: { management: General, units: [Teams]${lock ? `, lock: { bucket: ${BUCKET} }` : ''} }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Data, email: aws+data@example.com, unit: Teams }
  - { name: Logs, email: aws+logs@example.com, unit: Teams }
`;

/** `lz apply --auto-approve` in a process of its own (and a process group of its own, to kill it whole). */
const applyProcess = (dir: string): Run => lzProcess(dir, ['apply', '--auto-approve'], true);

async function converged(w: TestWorld): Promise<void> {
  const plan = await w.lz('plan', '--detailed-exitcode');
  expect(plan.code, plan.err + plan.out).toBe(0);
  expect(plan.out).toContain('No changes.');
  expect((await heldAccounts(w.organizations)).map((a) => a.email).sort()).toEqual(['aws+data@example.com', 'aws+general@example.com', 'aws+logs@example.com']);
}

describe('an interrupted apply', () => {
  let w: TestWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('on SIGINT starts nothing new, says what was done and not, releases the local and the S3 lock, exits 130; the next apply converges', async () => {
    // Account creation takes 3 s: the signal lands while apply waits for it.
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 3000, rolePropagation: 100 } });
    const world = w;
    const s3 = new S3Client({ region: 'us-east-1', endpoint: world.sandbox.endpoint, credentials: world.sandbox.managementCredentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    world.writeManifest(manifest(true));
    const run = applyProcess(world.dir);
    let sent = false;
    const stop = world.sandbox.onRequest((entry) => {
      if (sent || entry.operation !== 'DescribeCreateAccountStatus') return;
      sent = true;
      run.child.kill('SIGINT');
    });
    const started = Date.now();
    const { code, signal } = await run.exit;
    stop();
    expect(sent).toBe(true);
    expect({ code, signal }, run.err + run.out).toEqual({ code: 130, signal: null });
    // Bounded: the waits for AWS end at once; nothing is left to wait for 10 s.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.err).toContain('SIGINT: starting no new change');
    expect(run.out).toMatch(/Apply interrupted \(SIGINT\)\. \d+ done, 0 failed, [1-9]\d* not run\./);
    expect(run.out).toContain('account:Data not run: interrupted while it waited for AWS; the next apply resumes it');
    expect(run.out).toContain('The lock is released. Run `lz apply` again');
    // The S3 lock was taken before the signal and deleted after it, not merely never taken.
    const lockCalls = world.sandbox.requests().filter((r) => r.operation === 'PutObject' || r.operation === 'DeleteObject').map((r) => `${r.operation} ${r.status}`);
    expect(lockCalls[0]).toBe('PutObject 200');
    expect(lockCalls.at(-1)).toMatch(/^DeleteObject 20\d$/);
    expect(existsSync(join(world.dir, '.lz', 'apply.lock'))).toBe(false);
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'lz/apply.lock' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    s3.destroy();

    const again = await world.lz('apply', '--auto-approve');
    expect(again.code, again.err + again.out).toBe(0);
    await converged(world);
    // The creations the interrupted run sent were resumed, not sent again.
    expect(Object.keys(world.sandbox.state.organization!.createAccountRequests)).toHaveLength(2);
  }, 60_000);

  it('after kill -9 of its process group, an apply started at once is never refused by the lock', async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 100, rolePropagation: 100 } });
    const world = w;
    world.writeManifest(manifest(false));
    const KILLS = 10;
    let run = applyProcess(world.dir);
    for (let i = 0; i < KILLS; i++) {
      // Once this run has the lock (its first AWS request comes after it), kill its whole group.
      const first = await Promise.race([
        new Promise<'request'>((resolve) => {
          const stop = world.sandbox.onRequest(() => {
            stop();
            resolve('request');
          });
        }),
        run.exit.then(() => 'exited' as const),
      ]);
      expect(first, `run ${i} ended by itself:\n${run.err}${run.out}`).toBe('request');
      expect(run.err).not.toContain('holds the lock');
      process.kill(-run.child.pid!, 'SIGKILL');
      run = applyProcess(world.dir);
      // The killed process stays a zombie until this process reaps it, which happens on its event loop: hold
      // the loop while the next apply starts and takes the lock, as a parent slow to reap would.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
    }
    const { code } = await run.exit;
    expect(run.err).not.toContain('holds the lock');
    expect(code, run.err + run.out).toBe(0);
    await converged(world);
  }, 120_000);

  it('killed right after CreateAccount, before the role can be assumed: the next single apply waits for the role and converges', async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 50, rolePropagation: 4000 } });
    const world = w;
    world.writeManifest(manifest(false));
    const run = applyProcess(world.dir);
    let killed = false;
    const stop = world.sandbox.onRequest((entry) => {
      // The first AssumeRole is into a new account (the file's others are created): its role is not there yet.
      if (killed || entry.operation !== 'AssumeRole') return;
      killed = true;
      process.kill(-run.child.pid!, 'SIGKILL');
    });
    await run.exit;
    stop();
    expect(killed).toBe(true);

    // The dead run left its new accounts in the journal as awaiting their role; the next run waited, then forgot them.
    const journal = () => JSON.parse(readFileSync(join(world.dir, '.lz', 'journal.json'), 'utf8')) as { awaitingRole?: Record<string, object> };
    expect(Object.values(journal().awaitingRole ?? {}).flatMap((o) => Object.keys(o)).length).toBeGreaterThan(0);
    const again = await world.lz('apply', '--auto-approve');
    expect(again.code, again.err + again.out).toBe(0);
    await converged(world);
    expect(journal().awaitingRole ?? {}).toEqual({});
  }, 60_000);
});
