import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactParams } from '../../src/aws/request-log.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const manifest = `
organization: { management: General, units: [Teams] }
defaults:
  iamAdmin: { user: IAMADMIN, group: Administrators, consoleAccess: true }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Data, email: aws+data@example.com, unit: Teams }
`;

interface LogLine {
  msg: string;
  service: string;
  operation: string;
  account: string;
  region: string;
  status: number;
  ms: number;
  attempts: number;
  requestId: string;
  params?: Record<string, unknown>;
}

/** The request log's lines of one run (one file per run). */
function calls(path: string): LogLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.msg === 'aws call');
}

const key = (service: string, operation: string, account: string, status: number) => `${service}:${operation} ${account} ${status}`;

/**
 * A proxy in front of the sandbox that answers chosen operations as a load balancer with a bad day would:
 * HTTP 502 and an HTML page. Everything else reaches the sandbox untouched (the signature still holds: the
 * Host header is passed on as it came).
 */
async function badGateway(target: string, fails: (operation: string) => boolean): Promise<{ endpoint: string; server: Server }> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // JSON protocols name the operation in X-Amz-Target, the query protocol in the body's Action.
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() || (new URLSearchParams(body.toString('utf8')).get('Action') ?? '');
      if (fails(operation)) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>');
        return;
      }
      const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.pipe(res);
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the request log and errors that name the call', () => {
  let w: TestWorld;
  let management: string;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest);
    management = Object.values(w.sandbox.state.accounts).find((a) => a.name === 'General')!.id;
  });
  afterAll(async () => w.close());

  /** Runs lz with a request log in `file`; the log's calls must be the requests the sandbox saw, one line each. */
  async function logged(file: string, ...args: string[]) {
    w.sandbox.clearRequests();
    const r = await w.lz(...args, '--log-level', 'debug', '--log-file', file);
    expect(r.code, r.out + r.err).toBe(0);
    const lines = calls(join(w.dir, file));
    const seen = w.sandbox.requests();
    expect(lines.length).toBeGreaterThan(5);
    // One line per call; a call the SDK retried (the sandbox's settling windows) counts its attempts, each of
    // which the sandbox saw as a request: the last one answered with the line's status.
    const attempts = lines.flatMap((l) => Array.from({ length: l.attempts }, () => key(l.service, l.operation, l.account, 0)));
    expect(attempts.sort()).toEqual(seen.map((q) => key(q.service, q.operation, q.callerAccount, 0)).sort());
    const answered = seen.map((q) => key(q.service, q.operation, q.callerAccount, q.status));
    for (const l of lines) expect(answered, JSON.stringify(l)).toContain(key(l.service, l.operation, l.account, l.status));
    for (const l of lines) {
      expect(l.region, JSON.stringify(l)).toBe('us-east-1');
      expect(l.account).toMatch(/^\d{12}$/);
      expect(l.ms).toBeGreaterThanOrEqual(0);
      expect(l.attempts).toBeGreaterThanOrEqual(1);
      expect(l.requestId, JSON.stringify(l)).toMatch(/\S/);
      expect(l.params, 'parameters only at trace').toBeUndefined();
    }
    return { r, lines };
  }

  it('plan, apply and onboard log every request: service, operation, account, Region, status, duration, attempts, request id', async () => {
    const plan = await logged('plan.log', 'plan');
    expect(plan.lines.map((l) => `${l.service}:${l.operation}`)).toContain('sts:GetCallerIdentity');

    const apply = await logged('apply.log', 'apply', '--auto-approve');
    const data = Object.values(w.sandbox.state.accounts).find((a) => a.name === 'Data')!.id;
    expect(apply.lines).toContainEqual(expect.objectContaining({ service: 'organizations', operation: 'CreateAccount', account: management, status: 200 }));
    expect(apply.lines).toContainEqual(expect.objectContaining({ service: 'sts', operation: 'AssumeRole', account: management }));
    expect(apply.lines).toContainEqual(expect.objectContaining({ service: 'iam', operation: 'CreateUser', account: data, status: 200 }));

    const onboard = await logged('onboard.log', 'onboard', 'Web', '--email', 'aws+web@example.com', '--unit', 'Teams');
    expect(onboard.lines.map((l) => `${l.service}:${l.operation}`)).toContain('organizations:DescribeOrganization');
  }, 60_000);

  it('at trace, each call carries its parameters, with passwords and keys masked', async () => {
    // Applies the account onboarded above: its admin user gets a login profile.
    const r = await w.lz('apply', '--auto-approve', '--log-level', 'trace', '--log-file', 'trace.log');
    expect(r.code, r.out + r.err).toBe(0);
    const lines = calls(join(w.dir, 'trace.log'));
    const profile = lines.find((l) => l.operation === 'CreateLoginProfile');
    expect(profile?.params).toMatchObject({ UserName: 'IAMADMIN', Password: '[redacted]', PasswordResetRequired: true });
    const assume = lines.find((l) => l.operation === 'AssumeRole');
    expect(assume?.params).toMatchObject({ RoleArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\/OrganizationAccountAccessRole$/) });
  }, 60_000);

  it('a member account reads with clients another account gave back: each call in its own account, logged as such', async () => {
    // One account at a time: Web's read (onboarded above) borrows the clients Data's read gave back.
    const { r, lines } = await logged('narrow.log', 'plan', '--parallelism', '1');
    expect(r.out).toContain('No changes.');
    const members = Object.values(w.sandbox.state.accounts).filter((a) => a.name === 'Data' || a.name === 'Web').map((a) => a.id);
    expect(members).toHaveLength(2);
    for (const id of members) {
      const reads = ['iam:ListAccountAliases', 'budgets:DescribeBudgets', 'account:GetAlternateContact', 's3:GetPublicAccessBlock'];
      for (const read of reads) expect(lines.filter((l) => `${l.service}:${l.operation}` === read && l.account === id).length, `${read} in ${id}`).toBeGreaterThan(0);
      expect(w.sandbox.requests().filter((q) => q.operation === 'ListAccountAliases' && q.callerAccount === id)).toHaveLength(1);
    }
  }, 60_000);

  it('masks secrets by key name at any depth', () => {
    const params = {
      UserName: 'u',
      Password: 'p4ss',
      NewPassword: 'n3w',
      MinimumPasswordLength: 14,
      AuthenticationCode1: '123456',
      AuthenticationCode2: '654321',
      Otp: '999999',
      Nested: [{ Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 'abc', SessionToken: 'tok' } }, { SessionToken: 'tok2' }],
      Body: new Uint8Array(12),
      NextToken: 'page-2',
    };
    expect(redactParams(params)).toEqual({
      UserName: 'u',
      Password: '[redacted]',
      NewPassword: '[redacted]',
      MinimumPasswordLength: 14,
      AuthenticationCode1: '[redacted]',
      AuthenticationCode2: '[redacted]',
      Otp: '[redacted]',
      Nested: [{ Credentials: '[redacted]' }, { SessionToken: '[redacted]' }],
      Body: '[12 bytes]',
      NextToken: 'page-2',
    });
  });

  it('an endpoint answering HTML 502 is named: the call, the account, the status, and that the body is not AWS', async () => {
    // ListRoots (Organizations, JSON) fails the whole plan; ListAccountAliases (IAM, query) one account.
    for (const [failing, where] of [
      ['ListRoots', 'err'],
      ['ListAccountAliases', 'out'],
    ] as const) {
      const proxy = await badGateway(w.sandbox.endpoint, (op) => op === failing);
      // The SDK reads AWS_ENDPOINT_URL from the process's environment, lz AWS_MAX_ATTEMPTS from its own.
      process.env.AWS_ENDPOINT_URL = proxy.endpoint;
      try {
        const io = bufferIO({ cwd: w.dir, env: { ...process.env, AWS_MAX_ATTEMPTS: '2' } });
        const code = await runCli(['plan', '--log-level', 'debug', '--log-file', `${failing}.log`], io);
        expect(code).toBe(1);
        const shown = where === 'err' ? io.err() : io.out();
        const service = failing === 'ListRoots' ? 'organizations' : 'iam';
        expect(shown).toContain(`${service}:${failing} (${management}) returned HTTP 502 with a body that is not an AWS error, after 2 attempts`);
        expect(shown).not.toMatch(/Unknown|SyntaxError/);
        if (where === 'err') expect(shown).toContain('hint: Something between lz and AWS answered');
        // The log has the failed call too, with both attempts.
        expect(calls(join(w.dir, `${failing}.log`))).toContainEqual(expect.objectContaining({ service, operation: failing, account: management, status: 502, attempts: 2 }));
      } finally {
        process.env.AWS_ENDPOINT_URL = w.sandbox.endpoint;
        await new Promise((resolve) => proxy.server.close(resolve));
      }
    }
    expect(existsSync(join(w.dir, 'ListRoots.log'))).toBe(true);
  }, 60_000);

  it("an AWS error shows AWS's code, message and request id", async () => {
    // An alias for the management account, which may only read.
    w.writeManifest(manifest.replace('email: aws+general@example.com', 'email: aws+general@example.com, alias: example-general-42'));
    w.sandbox.setReadOnlyPrincipals([management]);
    try {
      const r = await w.lz('apply', '--auto-approve', '--target', 'General');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(new RegExp(`iam:CreateAccountAlias \\(${management}\\) returned HTTP 403 AccessDenied: User: arn:aws:\\S+ is not authorized to perform: iam:CreateAccountAlias.* \\(request id [\\w-]+\\)`));
    } finally {
      w.sandbox.setReadOnlyPrincipals([]);
    }
  }, 60_000);
});
