import { CreateUserCommand, GetUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import type { AccountRecord } from '../../src/sandbox/state.js';
import { ADMINISTRATOR_ACCESS_ARN, createRole } from '../../src/sandbox/services/iam/index.js';
import { assume, failure, iamClient, stsClient } from './clients.js';

describe('STS AssumeRole into another account', () => {
  let sb: SandboxHandle;
  let member: AccountRecord;
  let roleArn: string;
  beforeAll(async () => {
    sb = await startSandbox({ seed: 9 });
    member = sb.addStandaloneAccount({ name: 'Member', email: 'member@example.com' });
    createRole(member, sb.runtime, { roleName: 'OrganizationAccountAccessRole', trustAccountId: sb.managementAccountId, attachedPolicies: [ADMINISTRATOR_ACCESS_ARN], maxSessionDuration: 43200 });
    roleArn = `arn:aws:iam::${member.id}:role/OrganizationAccountAccessRole`;
  });
  afterAll(async () => sb.close());

  it('returns session credentials that act in the target account', async () => {
    const creds = await assume(sb, roleArn, undefined, { RoleSessionName: 'lz-plan' });
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.sessionToken.length).toBeGreaterThan(100);
    const expiresIn = creds.expiration.getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    const who = await stsClient(sb, creds).send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(member.id);
    expect(who.Arn).toBe(`arn:aws:sts::${member.id}:assumed-role/OrganizationAccountAccessRole/lz-plan`);
    const memberIam = iamClient(sb, creds);
    await memberIam.send(new CreateUserCommand({ UserName: 'IAMADMIN' }));
    expect(Object.keys(sb.state.accounts[member.id]!.iam.users)).toContain('IAMADMIN');
    expect(Object.keys(sb.state.accounts[sb.managementAccountId]!.iam.users)).not.toContain('IAMADMIN');
    expect(await failure(() => iamClient(sb).send(new GetUserCommand({ UserName: 'IAMADMIN' })))).toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('drops the keys of sessions that expired over an hour ago from its state', async () => {
    const old = await assume(sb, roleArn, undefined, { DurationSeconds: 900 });
    expect(sb.state.accessKeys[old.accessKeyId]).toBeDefined();
    sb.advanceTime(2 * 3600_000);
    const fresh = await assume(sb, roleArn);
    expect(sb.state.accessKeys[old.accessKeyId]).toBeUndefined();
    expect(sb.state.accessKeys[fresh.accessKeyId]).toBeDefined();
    // AWS would still answer ExpiredToken for it (the token carries its expiry); the sandbox no longer knows it.
    expect(await failure(() => stsClient(sb, old).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId' });
  });

  it('refuses a session token that does not match and a missing one', async () => {
    const creds = await assume(sb, roleArn);
    const wrong = await failure(() => stsClient(sb, { ...creds, sessionToken: 'not-the-token' }).send(new GetCallerIdentityCommand({})));
    expect(wrong.name).toBe('InvalidClientTokenId');
    const missing = await failure(() => stsClient(sb, { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }).send(new GetCallerIdentityCommand({})));
    expect(missing.name).toBe('InvalidClientTokenId');
  });

  it('denies a role whose trust policy does not trust the caller, and a role that does not exist', async () => {
    createRole(member, sb.runtime, { roleName: 'TrustsSomeoneElse', trustAccountId: '999999999999' });
    const sts = stsClient(sb);
    const denied = await failure(() => sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member.id}:role/TrustsSomeoneElse`, RoleSessionName: 'x1' })));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toBe(
      `User: arn:aws:iam::${sb.managementAccountId}:user/lz-sandbox-admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${member.id}:role/TrustsSomeoneElse`,
    );
    const none = await failure(() => sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member.id}:role/NoSuchRole`, RoleSessionName: 'x1' })));
    expect(none.name).toBe('AccessDenied');
  });

  it('validates the session name and the duration', async () => {
    const sts = stsClient(sb);
    for (const name of ['x', 'a'.repeat(65), 'has space', 'bad/slash']) {
      const e = await failure(() => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: name })));
      expect(e.name).toBe('ValidationError');
      expect(e.$metadata?.httpStatusCode).toBe(400);
    }
    await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ok_name+=,.@-1' }));
    const long = await assume(sb, roleArn, undefined, { DurationSeconds: 43200 });
    expect(long.expiration.getTime() - Date.now()).toBeGreaterThan(43000_000);
    createRole(member, sb.runtime, { roleName: 'Short', trustAccountId: sb.managementAccountId });
    const e = await failure(() => sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member.id}:role/Short`, RoleSessionName: 's1', DurationSeconds: 7200 })));
    expect(e.message).toMatch(/MaxSessionDuration/);
  });

  it('caps role chaining at one hour', async () => {
    createRole(member, sb.runtime, { roleName: 'Chained', trustAccountId: member.id, maxSessionDuration: 43200 });
    const first = await assume(sb, roleArn);
    const sts = stsClient(sb, first);
    const e = await failure(() => sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member.id}:role/Chained`, RoleSessionName: 'chain', DurationSeconds: 7200 })));
    expect(e.message).toMatch(/role chaining/);
    const ok = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member.id}:role/Chained`, RoleSessionName: 'chain' }));
    expect(ok.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${member.id}:assumed-role/Chained/chain`);
  });

  it('refuses a freshly created role until IAM has propagated it', async () => {
    const now = sb.runtime.now().getTime();
    createRole(member, sb.runtime, { roleName: 'Fresh', trustAccountId: sb.managementAccountId, assumableAfter: new Date(now + 60_000).toISOString() });
    const arn = `arn:aws:iam::${member.id}:role/Fresh`;
    const e = await failure(() => stsClient(sb).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'early' })));
    expect(e.name).toBe('AccessDenied');
    sb.advanceTime(61_000);
    const creds = await assume(sb, arn);
    expect((await stsClient(sb, creds).send(new GetCallerIdentityCommand({}))).Arn).toContain('assumed-role/Fresh/');
  });

  it('expires session credentials (ExpiredToken) once their time is up', async () => {
    const creds = await assume(sb, roleArn, undefined, { DurationSeconds: 900 });
    const memberIam = iamClient(sb, creds);
    await memberIam.send(new ListUsersCommand({}));
    sb.advanceTime(901_000);
    const e = await failure(() => memberIam.send(new ListUsersCommand({})));
    expect(e.name).toBe('ExpiredToken');
    expect(e.message).toBe('The security token included in the request is expired');
    // Long-term keys are unaffected.
    await iamClient(sb).send(new ListUsersCommand({}));
  });
});
