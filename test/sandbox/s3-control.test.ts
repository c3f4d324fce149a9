/**
 * S3 Control through the real SDK client: the account-level S3 Block Public Access settings (CIS AWS
 * Foundations 2.1.4, Security Hub S3.1), per account, read and written by the account itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketPolicyCommand, PutPublicAccessBlockCommand as PutBucketPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  NoSuchPublicAccessBlockConfiguration,
  PutPublicAccessBlockCommand,
  S3ControlServiceException,
} from '@aws-sdk/client-s3-control';
import { CreateAccountCommand, CreateOrganizationCommand, DescribeCreateAccountStatusCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { assume, clientConfig, failure, s3ControlClient } from './clients.js';

const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

let sb: SandboxHandle;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lz-s3control-'));
  sb = await startSandbox({ port: 0, stateFile: join(dir, 'state.json'), delays: { createAccount: 50, rolePropagation: 50, ...NO_SETTLING } });
});

afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the account-level Block Public Access settings', () => {
  it('are absent on a fresh account, then put, read back, replaced as a whole and deleted', async () => {
    const c = s3ControlClient(sb);
    const AccountId = sb.managementAccountId;
    const none = await failure(() => c.send(new GetPublicAccessBlockCommand({ AccountId })));
    expect(none).toBeInstanceOf(NoSuchPublicAccessBlockConfiguration);
    expect(none.$metadata?.httpStatusCode).toBe(404);
    expect(none.message).toBe('The public access block configuration was not found');

    await c.send(new PutPublicAccessBlockCommand({ AccountId, PublicAccessBlockConfiguration: ALL_ON }));
    expect((await c.send(new GetPublicAccessBlockCommand({ AccountId }))).PublicAccessBlockConfiguration).toEqual(ALL_ON);

    // Put replaces the configuration: flags left out are false.
    await c.send(new PutPublicAccessBlockCommand({ AccountId, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }));
    expect((await c.send(new GetPublicAccessBlockCommand({ AccountId }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });

    await c.send(new DeletePublicAccessBlockCommand({ AccountId }));
    expect(await failure(() => c.send(new GetPublicAccessBlockCommand({ AccountId })))).toBeInstanceOf(NoSuchPublicAccessBlockConfiguration);
    const log = sb.requests().filter((r) => r.operation.endsWith('PublicAccessBlock'));
    expect(log.every((r) => r.service === 's3')).toBe(true);
    expect(log.filter((r) => !r.readOnly).map((r) => r.operation)).toEqual(['PutPublicAccessBlock', 'PutPublicAccessBlock', 'DeletePublicAccessBlock']);
    c.destroy();
  });

  it('of another account are refused with AccessDenied (403), reading or writing', async () => {
    const c = s3ControlClient(sb);
    const other = sb.addStandaloneAccount({ name: 'Elsewhere', email: 'elsewhere@example.com' });
    for (const call of [
      () => c.send(new GetPublicAccessBlockCommand({ AccountId: other.id })),
      () => c.send(new PutPublicAccessBlockCommand({ AccountId: other.id, PublicAccessBlockConfiguration: ALL_ON })),
      () => c.send(new DeletePublicAccessBlockCommand({ AccountId: other.id })),
    ]) {
      const e = await failure(call);
      expect(e).toBeInstanceOf(S3ControlServiceException);
      expect([e.name, e.$metadata?.httpStatusCode, e.message]).toEqual(['AccessDenied', 403, 'Access Denied']);
    }
    expect(other.s3PublicAccessBlock).toBeUndefined();
    c.destroy();
  });

  it('survive a reload of the state file', async () => {
    const c = s3ControlClient(sb);
    await c.send(new PutPublicAccessBlockCommand({ AccountId: sb.managementAccountId, PublicAccessBlockConfiguration: ALL_ON }));
    c.destroy();
    const again = await startSandbox({ port: 0, stateFile: join(dir, 'state.json') });
    const c2 = s3ControlClient(again);
    expect((await c2.send(new GetPublicAccessBlockCommand({ AccountId: again.managementAccountId }))).PublicAccessBlockConfiguration).toEqual(ALL_ON);
    c2.destroy();
    await again.close();
  });

  it('can be read and written by a member account through OrganizationAccountAccessRole', async () => {
    const org = new OrganizationsClient(clientConfig(sb));
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const req = (await org.send(new CreateAccountCommand({ AccountName: 'Workload', Email: 'workload@example.com' }))).CreateAccountStatus!;
    sb.advanceTime(200);
    const id = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.Id! }))).CreateAccountStatus!.AccountId!;
    org.destroy();
    const member = s3ControlClient(sb, await assume(sb, `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`));
    expect(await failure(() => member.send(new GetPublicAccessBlockCommand({ AccountId: id })))).toBeInstanceOf(NoSuchPublicAccessBlockConfiguration);
    await member.send(new PutPublicAccessBlockCommand({ AccountId: id, PublicAccessBlockConfiguration: ALL_ON }));
    expect((await member.send(new GetPublicAccessBlockCommand({ AccountId: id }))).PublicAccessBlockConfiguration).toEqual(ALL_ON);
    // The member's session cannot reach the management account's setting.
    expect((await failure(() => member.send(new GetPublicAccessBlockCommand({ AccountId: sb.managementAccountId })))).name).toBe('AccessDenied');
    member.destroy();
  });

  it('with BlockPublicPolicy on, refuse a public bucket policy even where the bucket allows it', async () => {
    const s3 = new S3Client({ ...clientConfig(sb), forcePathStyle: true });
    const c = s3ControlClient(sb);
    const Bucket = 'lz-account-block-test';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicPolicy: false } }));
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` }] });
    await c.send(new PutPublicAccessBlockCommand({ AccountId: sb.managementAccountId, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }));
    const e = await failure(() => s3.send(new PutBucketPolicyCommand({ Bucket, Policy })));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
    await c.send(new DeletePublicAccessBlockCommand({ AccountId: sb.managementAccountId }));
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
    s3.destroy();
    c.destroy();
  });
});
