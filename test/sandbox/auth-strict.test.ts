import { GetContactInformationCommand, AccountClient } from '@aws-sdk/client-account';
import { CreateRoleCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { assume, clientConfig, failure, iamClient, stsClient, type Creds } from './clients.js';

let sb: SandboxHandle;
/** A sandbox of its own for each group: the clock moves in one of them. */
function ownSandbox() {
  beforeAll(async () => {
    sb = await startSandbox({ port: 0, delays: { createAccount: 50, rolePropagation: 50 } });
  });
  afterAll(async () => sb.close());
}

const MIN = 60_000;
/** A client whose clock is `offset` ms off the sandbox's (the SDK's own `systemClockOffset`). */
const skewed = (offset: number, maxAttempts = 1) => ({ ...clientConfig(sb, undefined, maxAttempts), systemClockOffset: offset });
const SIGV4_DATE = /^\d{8}T\d{6}Z$/;

describe('a signature dated more than 15 minutes from the sandbox clock', () => {
  ownSandbox();
  it('is SignatureDoesNotMatch (403) in the query protocols, with AWS message, either way', async () => {
    const late = await failure(() => new IAMClient(skewed(-20 * MIN)).send(new ListUsersCommand({})));
    expect([late.name, late.$metadata?.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    const m = /^Signature expired: (\S+) is now earlier than (\S+) \((\S+) - 15 min\.\)$/.exec(late.message);
    expect(m, late.message).not.toBeNull();
    const [, sent, bound, now] = m!;
    for (const d of [sent, bound, now]) expect(d).toMatch(SIGV4_DATE);
    const early = await failure(() => new STSClient(skewed(20 * MIN)).send(new GetCallerIdentityCommand({})));
    expect([early.name, early.$metadata?.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    expect(early.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/);
  });

  it('is InvalidSignatureException in the JSON protocols (awsJson 400, restJson 403) and RequestTimeTooSkewed in S3', async () => {
    const org = await failure(() => new OrganizationsClient(skewed(-16 * MIN)).send(new DescribeOrganizationCommand({})));
    expect([org.name, org.$metadata?.httpStatusCode]).toEqual(['InvalidSignatureException', 400]);
    expect(org.message).toMatch(/^Signature expired: .* - 15 min\.\)$/);
    const account = await failure(() => new AccountClient(skewed(16 * MIN)).send(new GetContactInformationCommand({})));
    expect([account.name, account.$metadata?.httpStatusCode]).toEqual(['InvalidSignatureException', 403]);
    const s3 = await failure(() => new S3Client({ ...skewed(-30 * MIN), forcePathStyle: true }).send(new ListBucketsCommand({})));
    expect([s3.name, s3.$metadata?.httpStatusCode, s3.message]).toEqual(['RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.']);
    const fields = s3 as unknown as { RequestTime: string; ServerTime: string; MaxAllowedSkewMilliseconds: string };
    expect(fields.RequestTime).toMatch(SIGV4_DATE);
    expect(fields.ServerTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(fields.ServerTime) - sb.runtime.now().getTime())).toBeLessThan(5000);
    expect(String(fields.MaxAllowedSkewMilliseconds)).toBe('900000');
  });

  it('is accepted within 15 minutes', async () => {
    await new IAMClient(skewed(-14 * MIN)).send(new ListUsersCommand({}));
    await new IAMClient(skewed(14 * MIN)).send(new ListUsersCommand({}));
  });

  it('is corrected by the SDK from the Date header of the sandbox clock, which advanceTime moves', async () => {
    // A client whose own clock is an hour off: refused once, it takes the sandbox time from the Date header.
    const iam = new IAMClient(skewed(-60 * MIN));
    expect((await failure(() => iam.send(new ListUsersCommand({})))).name).toBe('SignatureDoesNotMatch');
    await iam.send(new ListUsersCommand({}));
    // The sandbox clock moves two hours on: a client made before is now behind, and corrects itself the same way.
    const sts = new STSClient({ ...clientConfig(sb), maxAttempts: 2 });
    sb.advanceTime(120 * MIN);
    const res = await fetch(sb.endpoint, { method: 'POST' });
    expect(Math.abs(Date.parse(res.headers.get('date')!) - sb.runtime.now().getTime())).toBeLessThan(2000);
    sb.clearRequests();
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(sb.managementAccountId);
    expect(sb.requests().map((r) => r.status)).toEqual([403, 200]);
    // Once corrected, the client stays correct.
    sb.clearRequests();
    await sts.send(new GetCallerIdentityCommand({}));
    expect(sb.requests().map((r) => r.status)).toEqual([200]);
  });
});

describe('a session token', () => {
  ownSandbox();
  let session: Creds & { sessionToken: string };
  beforeAll(async () => {
    await iamClient(sb).send(
      new CreateRoleCommand({
        RoleName: 'TokenTest',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${sb.managementAccountId}:root` }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    sb.advanceTime(5 * MIN);
    session = await assume(sb, `arn:aws:iam::${sb.managementAccountId}:role/TokenTest`, undefined, {});
  });

  it('must belong to the access key that signed: a long-term key with a session token is refused', async () => {
    const creds = { ...sb.managementCredentials, sessionToken: session.sessionToken };
    const iam = await failure(() => new IAMClient({ ...clientConfig(sb, creds), maxAttempts: 2 }).send(new ListUsersCommand({})));
    expect([iam.name, iam.$metadata?.httpStatusCode, iam.message]).toEqual(['InvalidClientTokenId', 403, 'The security token included in the request is invalid.']);
    const org = await failure(() => new OrganizationsClient({ ...clientConfig(sb, creds), maxAttempts: 2 }).send(new DescribeOrganizationCommand({})));
    expect([org.name, org.$metadata?.httpStatusCode]).toEqual(['UnrecognizedClientException', 403]);
    const s3 = await failure(() => new S3Client({ ...clientConfig(sb, creds), maxAttempts: 2, forcePathStyle: true }).send(new ListBucketsCommand({})));
    expect([s3.name, s3.$metadata?.httpStatusCode, s3.message]).toEqual(['InvalidToken', 400, 'The provided token is malformed or otherwise invalid.']);
  });

  it('of another session is refused too, and the session with its own token is accepted', async () => {
    const other = await assume(sb, `arn:aws:iam::${sb.managementAccountId}:role/TokenTest`, undefined, { RoleSessionName: 'other' });
    const mixed = { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: other.sessionToken };
    const e = await failure(() => stsClient(sb, mixed).send(new GetCallerIdentityCommand({})));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    expect((await stsClient(sb, session).send(new GetCallerIdentityCommand({}))).Arn).toContain('assumed-role/TokenTest/test');
  });
});
