import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateUserCommand, GetUserCommand, ListUsersCommand, paginateListUsers } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { HttpRequest } from '@smithy/protocol-http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { failure, iamClient, stsClient } from './clients.js';

class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

/** Sends a hand-signed request, for what the SDK would never send (unknown actions and services). */
async function rawSigned(sb: SandboxHandle, service: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const url = new URL(sb.endpoint);
  const signer = new SignatureV4({ credentials: sb.managementCredentials, region: 'us-east-1', service, sha256: Sha256 });
  const req = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const signed = await signer.sign(req);
  const res = await fetch(`${sb.endpoint}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('sandbox core: authentication, dispatch, request log', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => sb.close());

  it('serves on 127.0.0.1 and authenticates the management credentials', async () => {
    expect(sb.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const out = await stsClient(sb).send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(sb.managementAccountId);
    expect(out.Arn).toBe(`arn:aws:iam::${sb.managementAccountId}:user/lz-sandbox-admin`);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch (403)', async () => {
    const bad = iamClient(sb, { accessKeyId: sb.managementCredentials.accessKeyId, secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret00' });
    const e = await failure(() => bad.send(new ListUsersCommand({})));
    expect(e.name).toBe('SignatureDoesNotMatch');
    expect(e.$metadata?.httpStatusCode).toBe(403);
  });

  it('refuses an unknown access key with InvalidClientTokenId (403)', async () => {
    const e = await failure(() => stsClient(sb, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' }).send(new GetCallerIdentityCommand({})));
    expect(e.name).toBe('InvalidClientTokenId');
    expect(e.$metadata?.httpStatusCode).toBe(403);
  });

  it('refuses a request without authentication (MissingAuthenticationToken, XML)', async () => {
    const res = await fetch(`${sb.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListUsers&Version=2010-05-08' });
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('answers an unknown query action with InvalidAction, in XML', async () => {
    const r = await rawSigned(sb, 'iam', 'Action=DoSomethingOdd&Version=2010-05-08');
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
  });

  it('answers an unknown JSON operation with UnknownOperationException and an unknown service with an error, never HTML', async () => {
    const r = await rawSigned(sb, 'organizations', '{}', { 'x-amz-target': 'AWSOrganizationsV20161128.NoSuchThing', 'content-type': 'application/x-amz-json-1.1' });
    expect(r.status).toBe(400);
    expect(r.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(JSON.parse(r.text).__type).toBe('UnknownOperationException');
    const s = await rawSigned(sb, 'lambda', '{}', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'X.Y' });
    expect(s.status).toBe(400);
    expect(JSON.parse(s.text).__type).toBe('UnknownServiceException');
  });

  it('logs every request with its operation, caller, status and whether it was read-only', async () => {
    sb.clearRequests();
    const iam = iamClient(sb);
    await iam.send(new ListUsersCommand({}));
    await iam.send(new CreateUserCommand({ UserName: 'logged' }));
    await failure(() => iam.send(new GetUserCommand({ UserName: 'nobody-here' })));
    const log = sb.requests();
    expect(log.map((r) => [r.service, r.operation, r.status, r.readOnly, r.errorCode])).toEqual([
      ['iam', 'ListUsers', 200, true, undefined],
      ['iam', 'CreateUser', 200, false, undefined],
      ['iam', 'GetUser', 404, true, 'NoSuchEntity'],
    ]);
    expect(log.every((r) => r.callerAccount === sb.managementAccountId && r.callerArn.endsWith(':user/lz-sandbox-admin'))).toBe(true);
  });

  it('lets read-only principals read but not write', async () => {
    const iam = iamClient(sb);
    await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
    const { AttachUserPolicyCommand, CreateAccessKeyCommand } = await import('@aws-sdk/client-iam');
    // An administrator by its policies: only the read-only setting stops it writing.
    await iam.send(new AttachUserPolicyCommand({ UserName: 'auditor', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }))).AccessKey!;
    const auditorArn = `arn:aws:iam::${sb.managementAccountId}:user/auditor`;
    sb.setReadOnlyPrincipals([auditorArn]);
    try {
      const auditor = iamClient(sb, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
      const users = await auditor.send(new ListUsersCommand({ MaxItems: 100 }));
      expect(users.Users!.map((u) => u.UserName)).toContain('auditor');
      const e = await failure(() => auditor.send(new CreateUserCommand({ UserName: 'sneaky' })));
      expect(e.name).toBe('AccessDenied');
      expect(e.$metadata?.httpStatusCode).toBe(403);
      expect(e.message).toContain(`User: ${auditorArn} is not authorized to perform: iam:CreateUser`);
      expect(Object.keys(sb.state.accounts[sb.managementAccountId]!.iam.users)).not.toContain('sneaky');
      // The admin is not affected.
      await iam.send(new CreateUserCommand({ UserName: 'allowed' }));
    } finally {
      sb.setReadOnlyPrincipals([]);
    }
  });

  it('pages ListUsers in small pages that the SDK paginator follows', async () => {
    const iam = iamClient(sb);
    for (let i = 0; i < 12; i++) await iam.send(new CreateUserCommand({ UserName: `page-user-${String(i).padStart(2, '0')}` }));
    sb.clearRequests();
    const names: string[] = [];
    for await (const page of paginateListUsers({ client: iam }, {})) {
      expect(page.Users!.length).toBeLessThanOrEqual(5);
      names.push(...page.Users!.map((u) => u.UserName!));
    }
    const total = Object.keys(sb.state.accounts[sb.managementAccountId]!.iam.users).length;
    expect(names).toHaveLength(total);
    expect(new Set(names).size).toBe(total);
    expect(sb.requests().filter((r) => r.operation === 'ListUsers')).toHaveLength(Math.ceil(total / 5));
    // MaxItems is honoured, up to 1000.
    const big = await iam.send(new ListUsersCommand({ MaxItems: 1000 }));
    expect(big.Users).toHaveLength(total);
    expect(big.IsTruncated).toBe(false);
    const e = await failure(() => iam.send(new ListUsersCommand({ MaxItems: 1001 })));
    expect(e.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('sandbox core: determinism and the state file', () => {
  it('derives ids and keys from the seed', async () => {
    const a = await startSandbox({ seed: 42 });
    const b = await startSandbox({ seed: 42 });
    const c = await startSandbox({ seed: 43 });
    try {
      expect(b.managementAccountId).toBe(a.managementAccountId);
      expect(b.managementCredentials).toEqual(a.managementCredentials);
      expect(c.managementAccountId).not.toBe(a.managementAccountId);
      expect(c.managementCredentials.accessKeyId).not.toBe(a.managementCredentials.accessKeyId);
      expect(a.managementAccountId).toMatch(/^\d{12}$/);
      expect(a.managementCredentials.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('persists atomically after each write and a second sandbox reloads the same world', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-sbx-'));
    const file = join(dir, 'nested', 'sandbox.json');
    const first = await startSandbox({ stateFile: file });
    let firstUserId = '';
    try {
      expect(existsSync(file)).toBe(true);
      const inodeBefore = statSync(file).ino;
      const out = await iamClient(first).send(new CreateUserCommand({ UserName: 'persisted' }));
      firstUserId = out.User!.UserId!;
      // Written by rename of a fresh file, not in place; no temp file left behind.
      expect(statSync(file).ino).not.toBe(inodeBefore);
      expect(readdirSync(join(dir, 'nested'))).toEqual(['sandbox.json', 'sandbox.json.lock']);
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      expect(Object.keys(saved.accounts[first.managementAccountId].iam.users)).toContain('persisted');
      // A read does not rewrite the file.
      const inodeAfterWrite = statSync(file).ino;
      await iamClient(first).send(new ListUsersCommand({}));
      expect(statSync(file).ino).toBe(inodeAfterWrite);
    } finally {
      await first.close();
    }
    const second = await startSandbox({ stateFile: file });
    try {
      expect(second.managementAccountId).toBe(first.managementAccountId);
      expect(second.managementCredentials).toEqual(first.managementCredentials);
      const iam = iamClient(second);
      const got = await iam.send(new GetUserCommand({ UserName: 'persisted' }));
      expect(got.User!.UserId).toBe(firstUserId);
      // The id sequence continues rather than repeating.
      const next = await iam.send(new CreateUserCommand({ UserName: 'second-run' }));
      expect(next.User!.UserId).not.toBe(firstUserId);
    } finally {
      await second.close();
    }
  });
});
