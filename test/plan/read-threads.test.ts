import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLoginProfileCommand, CreateUserCommand, DeleteAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorFromWire, errorToWire } from '../../src/cli/read-thread-wire.js';
import { pino } from 'pino';
import { ReadThreads, readThreadCount } from '../../src/cli/read-threads.js';
import { AwsContext } from '../../src/aws/context.js';
import { parseManifest } from '../../src/manifest/index.js';
import { defaultSections } from '../../src/resources/registry.js';
import { callOf, describeAwsError, tagCall } from '../../src/call-errors.js';
import { LzError } from '../../src/errors.js';
import { lzProcess } from '../helpers/child.js';
import { accountIds } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';
import { inside } from '../drift/helpers.js';

// Three members: CreateAccount's burst, so the organization is made in seconds.
const MEMBERS = ['Development', 'Testing', 'Logs'];
const MANIFEST = `
organization: { management: General, units: [Teams] }
defaults:
  passwordPolicy: { minimumLength: 14 }
  s3PublicAccessBlock: {}
accounts:
  - { name: General, email: aws+general@example.com }
${MEMBERS.map((n) => `  - { name: ${n}, email: aws+${n.toLowerCase()}@example.com, unit: Teams, alias: lz-${n.toLowerCase()} }`).join('\n')}
`;

/** lz as the real binary (read threads load the built thread entry), to its end. */
async function lz(w: TestWorld, ...args: string[]) {
  const run = lzProcess(w.dir, args);
  const { code } = await run.exit;
  return { code, out: run.out, err: run.err };
}

/** A report without what differs from run to run: its time, and AWS's request ids. */
const withoutTime = (json: string) =>
  JSON.parse(json, (k, v: unknown) => (k === 'createdAt' || k === 'generatedAt' ? undefined : typeof v === 'string' ? v.replace(/request id [\w-]+/g, 'request id …') : v)) as unknown;

describe('read threads', () => {
  let w: TestWorld;
  let ids: Record<string, string>;

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(MANIFEST);
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, applied.err + applied.out).toBe(0);
    ids = await accountIds(w.organizations);
    // Drift in one account, a posture finding in another, and one account whose role is gone.
    const dev = await inside(w, ids.Development!);
    await dev.iam.send(new DeleteAccountPasswordPolicyCommand({}));
    dev.destroy();
    const testing = await inside(w, ids.Testing!);
    await testing.iam.send(new CreateUserCommand({ UserName: 'console-only' }));
    await testing.iam.send(new CreateLoginProfileCommand({ UserName: 'console-only', Password: 'Correct-Horse-9-Battery' }));
    testing.destroy();
    w.sandbox.state.accounts[ids.Development!]!.iam.aliases = [];
    delete w.sandbox.state.accounts[ids.Logs!]!.iam.roles.OrganizationAccountAccessRole;
  }, 90_000);
  afterAll(async () => w.close());

  it('plan reads member accounts in threads and plans exactly what one thread plans, with one AssumeRole per account', async () => {
    const one = await lz(w, 'plan', '--json', '--read-threads', '0');
    const log = join(mkdtempSync(join(tmpdir(), 'lz-threads-')), 'lz.log');
    w.sandbox.clearRequests();
    const three = await lz(w, 'plan', '--json', '--read-threads', '2', '--log-level', 'debug', '--log-file', log);
    expect(three.code, three.err).toBe(one.code);
    expect(one.code).toBe(1); // Logs cannot be read
    expect(withoutTime(three.out)).toEqual(withoutTime(one.out));
    const plan = JSON.parse(three.out) as { changes: { address: string }[]; unreadable: { account: string; reason: string }[] };
    expect(plan.changes.map((c) => c.address)).toEqual(expect.arrayContaining(['Development.password-policy', 'Development.account-alias']));
    expect(plan.unreadable.map((u) => u.account)).toEqual(['Logs']);
    expect(plan.unreadable[0]!.reason).toMatch(/^cannot assume arn:aws:iam::\d{12}:role\/OrganizationAccountAccessRole: sts:AssumeRole \(\d{12}\) returned HTTP 403 AccessDenied/);

    // The threads made member accounts' calls (their log lines say which thread), and the sessions were the
    // main thread's: AWS saw one AssumeRole per member account.
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { thread?: number; operation?: string; account?: string });
    const threads = new Set(lines.filter((l) => l.operation === 'GetAccountPasswordPolicy' && l.thread !== undefined).map((l) => l.thread));
    expect(threads.size).toBeGreaterThan(0);
    const assumes = w.sandbox.requests().filter((r) => r.operation === 'AssumeRole');
    expect(assumes).toHaveLength(MEMBERS.length);
  }, 60_000);

  it('drift evaluates the posture checks in the threads and reports what one thread reports', async () => {
    const one = await lz(w, 'drift', '--format', 'json', '--read-threads', '0');
    const log = join(mkdtempSync(join(tmpdir(), 'lz-threads-')), 'lz.log');
    const three = await lz(w, 'drift', '--format', 'json', '--read-threads', '2', '--log-level', 'debug', '--log-file', log);
    // Threads read accounts here too: their posture results, not the main thread's, are in the report.
    expect(readFileSync(log, 'utf8')).toMatch(/"thread":\d+.*"operation":"GetCredentialReport"|"operation":"GetCredentialReport".*"thread":\d+/);
    expect(three.code, three.err).toBe(one.code);
    expect(withoutTime(three.out)).toEqual(withoutTime(one.out));
    const report = JSON.parse(three.out) as { posture: { account: string; check: string; status: string }[] };
    expect(report.posture.filter((p) => p.account === 'Testing' && p.status === 'fail').map((p) => p.check)).toContain('console-mfa');
    expect(new Set(report.posture.map((p) => p.account))).toEqual(new Set(['General', ...MEMBERS.filter((m) => m !== 'Logs')]));
  }, 60_000);

  it('an apply interrupted while threads read stops before any change, releases its lock and exits 130', async () => {
    w.sandbox.clearRequests();
    const run = lzProcess(w.dir, ['apply', '--auto-approve', '--read-threads', '2']);
    let sent = false;
    const stop = w.sandbox.onRequest((entry) => {
      if (sent || entry.operation !== 'GetAccountPasswordPolicy') return;
      sent = true;
      run.child.kill('SIGINT');
    });
    const { code, signal } = await run.exit;
    stop();
    expect(sent).toBe(true);
    expect({ code, signal }, run.err + run.out).toEqual({ code: 130, signal: null });
    expect(run.out).toContain('Interrupted (SIGINT) before any change was made. The lock is released.');
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
    expect(existsSync(join(w.dir, '.lz', 'apply.lock'))).toBe(false);
  }, 60_000);

  it('--read-threads takes auto or 0-16, refused before any call', async () => {
    w.sandbox.clearRequests();
    const bad = await w.lz('plan', '--read-threads', 'many');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--read-threads must be auto or a whole number from 0 to 16, not "many"');
    expect(w.sandbox.requests()).toHaveLength(0);
    expect(readThreadCount('auto', 99, 8)).toBe(0);
    expect(readThreadCount('auto', 100, 1)).toBe(0);
    expect(readThreadCount('auto', 100, 2)).toBe(1);
    expect(readThreadCount('auto', 4_999, 2)).toBe(1);
    expect(readThreadCount('auto', 5_000, 2)).toBe(0);
    expect(readThreadCount('auto', 100, 3)).toBe(2);
    expect(readThreadCount(undefined, 5000, 16)).toBe(3);
    expect(readThreadCount('3', 1, 1)).toBe(3);
    expect(readThreadCount('0', 5000, 16)).toBe(0);
  });
});

describe('a read thread that dies', () => {
  it('costs a re-read: the accounts it held are read in the main thread, and it gets no more', async () => {
    const manifest = parseManifest(MANIFEST, 'accounts.yaml', defaultSections);
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const aws = new AwsContext({ region: 'us-east-1', accessRole: 'OrganizationAccountAccessRole', parallelism: 4, logger, credentials: { accessKeyId: 'AKIA', secretAccessKey: 'x' } });
    const threads = new ReadThreads({ count: 1, manifest, aws, log: { level: 'warn' }, entry: new URL('../fixtures/read-threads/dies.mjs', import.meta.url) });
    const job = (account: string) => ({ account, live: { id: '111111111111', name: account, email: 'a@example.com', status: 'ACTIVE', unit: undefined, tags: {} }, by: 'email' as const, managementId: '222222222222', prune: false });
    const here: string[] = [];
    const read = (account: string) => threads.read(job(account), async () => (here.push(account), { changes: [], unmanaged: [] }));
    try {
      // The first goes to the idle thread, which dies; the second is read here while the first is in flight.
      const outputs = await Promise.all([read('Development'), read('Testing')]);
      expect(outputs).toEqual([{ changes: [], unmanaged: [] }, { changes: [], unmanaged: [] }]);
      expect(here.sort()).toEqual(['Development', 'Testing']);
      expect(lines.filter((l) => l.includes('a read thread ended; its accounts are read in the main thread'))).toHaveLength(1);
      await read('Data');
      expect(here).toContain('Data');
    } finally {
      await threads.close();
      aws.destroy();
    }
  });
});

describe('errors between threads', () => {
  it("keep an AWS error's name, fields and call, and an LzError's class, code and hint", () => {
    const aws = Object.assign(new Error('User is not authorized'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403, requestId: 'r-1', attempts: 1 } });
    tagCall(aws, { service: 'sts', operation: 'AssumeRole', account: '111111111111', region: 'us-east-1' });
    const back = errorFromWire(structuredClone(errorToWire(aws)));
    expect(back.name).toBe('AccessDenied');
    expect(callOf(back)).toEqual(callOf(aws));
    expect(describeAwsError(back)).toBe(describeAwsError(aws));

    const lz = new LzError('bad-thing', 'it is bad', { hint: 'do this', path: 'accounts[1]' });
    const lzBack = errorFromWire(structuredClone(errorToWire(lz)));
    expect(lzBack).toBeInstanceOf(LzError);
    expect(lzBack).toMatchObject({ code: 'bad-thing', message: 'it is bad', hint: 'do this', path: 'accounts[1]' });
  });
});
