import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AcceptPrimaryEmailUpdateCommand,
  AccessDeniedException,
  AccountClient,
  ConflictException,
  GetAccountInformationCommand,
  GetPrimaryEmailCommand,
  PutAccountNameCommand,
  ResourceNotFoundException,
  StartPrimaryEmailUpdateCommand,
  ValidationException,
} from '@aws-sdk/client-account';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  EnableAWSServiceAccessCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { PRIMARY_EMAIL_OTP_VALIDITY_MS } from '../../src/sandbox/services/account/identity.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { assume, clientConfig, failure } from './clients.js';

let sb: SandboxHandle;
let stateFile: string;
let dir: string;
let org: OrganizationsClient;
let member: string;
let other: string;

/** Clients are made per call: tests move the sandbox clock past what a client signed with would allow. */
const account = () => new AccountClient(clientConfig(sb));
const orgs = () => new OrganizationsClient(clientConfig(sb));

async function createMember(name: string): Promise<string> {
  const req = (await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }))).CreateAccountStatus!;
  sb.advanceTime(300);
  org = orgs();
  return (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.Id! }))).CreateAccountStatus!.AccountId!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lz-lifecycle-'));
  stateFile = join(dir, 'sandbox.json');
  sb = await startSandbox({ port: 0, stateFile, delays: { createAccount: 200, rolePropagation: 100, ...NO_SETTLING } });
  org = orgs();
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  member = await createMember('Workloads');
  other = await createMember('Sandbox');
});

afterAll(async () => {
  await sb.close();
});

describe('who may change a member account’s identity', () => {
  it('refuses AccountId until trusted access for account.amazonaws.com is enabled, then allows the management account', async () => {
    const e = await failure(() => account().send(new GetPrimaryEmailCommand({ AccountId: member })));
    expect(e).toBeInstanceOf(AccessDeniedException);
    expect(e.message).toContain('trusted access');
    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'account.amazonaws.com' }));
    expect((await account().send(new GetPrimaryEmailCommand({ AccountId: member }))).PrimaryEmail).toBe('workloads@example.com');
  });

  it('requires AccountId for the primary email operations, and refuses the management account’s own', async () => {
    expect(await failure(() => account().send(new GetPrimaryEmailCommand({} as never)))).toBeInstanceOf(ValidationException);
    const own = await failure(() => account().send(new GetPrimaryEmailCommand({ AccountId: sb.managementAccountId })));
    expect(own).toBeInstanceOf(AccessDeniedException);
  });

  it('refuses a member calling for another account', async () => {
    const creds = await assume(sb, `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`);
    const client = new AccountClient(clientConfig(sb, creds));
    const e = await failure(() => client.send(new StartPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'x@example.com' })));
    expect(e).toBeInstanceOf(AccessDeniedException);
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(sb.primaryEmailOtp(other)).toBeUndefined();
  });
});

describe('PutAccountName and GetAccountInformation', () => {
  it('renames a member; Organizations shows the new name', async () => {
    await account().send(new PutAccountNameCommand({ AccountId: member, AccountName: 'Workloads Prod' }));
    expect(sb.state.accounts[member]!.name).toBe('Workloads Prod');
    expect((await orgs().send(new DescribeAccountCommand({ AccountId: member }))).Account!.Name).toBe('Workloads Prod');
    const info = await account().send(new GetAccountInformationCommand({ AccountId: member }));
    expect(info).toMatchObject({ AccountId: member, AccountName: 'Workloads Prod', AccountState: 'ACTIVE' });
    expect(info.AccountCreatedDate).toBeInstanceOf(Date);
  });

  it('renames the caller’s own account without AccountId', async () => {
    await account().send(new PutAccountNameCommand({ AccountName: 'Root of it all' }));
    expect(sb.state.accounts[sb.managementAccountId]!.name).toBe('Root of it all');
  });

  it('refuses names AWS refuses: empty, longer than 50, with < or >', async () => {
    for (const AccountName of ['', 'x'.repeat(51), 'a<b', 'tab\there']) {
      const e = await failure(() => account().send(new PutAccountNameCommand({ AccountId: member, AccountName })));
      expect(e, AccountName).toBeInstanceOf(ValidationException);
    }
    expect(sb.state.accounts[member]!.name).toBe('Workloads Prod');
  });
});

describe('the primary email update', () => {
  it('starts PENDING with a code only the sandbox handle and `lz sandbox otp` reveal, and accepts it', async () => {
    const started = await account().send(new StartPrimaryEmailUpdateCommand({ AccountId: member, PrimaryEmail: 'prod-root@example.com' }));
    expect(started.Status).toBe('PENDING');
    const otp = sb.primaryEmailOtp(member)!;
    expect(otp).toMatch(/^[a-zA-Z0-9]{6}$/);
    expect(sb.state.accounts[member]!.email).toBe('workloads@example.com');

    const io = bufferIO({ cwd: dir });
    expect(await runCli(['sandbox', 'otp', member, '--state', stateFile], io)).toBe(0);
    expect(io.out()).toBe(`${otp}\n`);

    const accepted = await account().send(new AcceptPrimaryEmailUpdateCommand({ AccountId: member, PrimaryEmail: 'prod-root@example.com', Otp: otp }));
    expect(accepted.Status).toBe('ACCEPTED');
    expect(sb.state.accounts[member]!.email).toBe('prod-root@example.com');
    expect(sb.primaryEmailOtp(member)).toBeUndefined();
    expect((await account().send(new GetPrimaryEmailCommand({ AccountId: member }))).PrimaryEmail).toBe('prod-root@example.com');
    const listed = (await orgs().send(new ListAccountsCommand({}))).Accounts!.find((a) => a.Id === member);
    expect(listed!.Email).toBe('prod-root@example.com');
    expect((await orgs().send(new DescribeAccountCommand({ AccountId: member }))).Account!.Email).toBe('prod-root@example.com');

    const none = bufferIO({ cwd: dir });
    expect(await runCli(['sandbox', 'otp', member, '--state', stateFile], none)).toBe(1);
    expect(none.err()).toContain('no pending primary email update');
  });

  it('refuses an Accept with nothing pending (ResourceNotFoundException)', async () => {
    const e = await failure(() => account().send(new AcceptPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'new@example.com', Otp: '123456' })));
    expect(e).toBeInstanceOf(ResourceNotFoundException);
    expect(e.$metadata?.httpStatusCode).toBe(404);
  });

  it('refuses a wrong code, a different address and a malformed code, and keeps the email', async () => {
    await account().send(new StartPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'sandbox-root@example.com' }));
    const otp = sb.primaryEmailOtp(other)!;
    const wrong = otp === '000000' ? '111111' : '000000';
    const attempts = [
      { PrimaryEmail: 'sandbox-root@example.com', Otp: wrong },
      { PrimaryEmail: 'someone-else@example.com', Otp: otp },
      { PrimaryEmail: 'sandbox-root@example.com', Otp: '12345' },
    ];
    for (const attempt of attempts) {
      const e = await failure(() => account().send(new AcceptPrimaryEmailUpdateCommand({ AccountId: other, ...attempt })));
      expect(e, JSON.stringify(attempt)).toBeInstanceOf(ValidationException);
    }
    expect(sb.state.accounts[other]!.email).toBe('sandbox@example.com');
    expect(sb.primaryEmailOtp(other)).toBe(otp);
  });

  it('a second Start replaces the first code', async () => {
    const first = sb.primaryEmailOtp(other)!;
    await account().send(new StartPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'sandbox-root2@example.com' }));
    const second = sb.primaryEmailOtp(other)!;
    expect(sb.state.accounts[other]!.primaryEmailUpdate!.email).toBe('sandbox-root2@example.com');
    if (first !== second) {
      const e = await failure(() => account().send(new AcceptPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'sandbox-root2@example.com', Otp: first })));
      expect(e).toBeInstanceOf(ValidationException);
    }
    const e = await failure(() => account().send(new AcceptPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'sandbox-root@example.com', Otp: second })));
    expect(e).toBeInstanceOf(ValidationException);
  });

  it('refuses an expired code', async () => {
    const otp = sb.primaryEmailOtp(other)!;
    sb.advanceTime(PRIMARY_EMAIL_OTP_VALIDITY_MS + 1000);
    expect(sb.primaryEmailOtp(other)).toBeUndefined();
    const e = await failure(() => account().send(new AcceptPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'sandbox-root2@example.com', Otp: otp })));
    expect(e).toBeInstanceOf(ValidationException);
    expect(e.message).toContain('expired');
    expect(sb.state.accounts[other]!.email).toBe('sandbox@example.com');
  });

  it('refuses an email another account uses, at Start and at Accept (ConflictException, 409)', async () => {
    const taken = await failure(() => account().send(new StartPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'PROD-ROOT@example.com' })));
    expect(taken).toBeInstanceOf(ConflictException);
    expect(taken.$metadata?.httpStatusCode).toBe(409);

    await account().send(new StartPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'contested@example.com' }));
    const otp = sb.primaryEmailOtp(other)!;
    sb.addStandaloneAccount({ name: 'Elsewhere', email: 'contested@example.com' });
    const raced = await failure(() => account().send(new AcceptPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'contested@example.com', Otp: otp })));
    expect(raced).toBeInstanceOf(ConflictException);
    expect(sb.state.accounts[other]!.email).toBe('sandbox@example.com');
  });
});

describe('StartPrimaryEmailUpdate’s per-target quota', () => {
  it('allows 3 per target account in 30 seconds, then TooManyRequestsException (429) until the window passes', async () => {
    sb.advanceTime(60_000);
    for (let i = 1; i <= 3; i++) await account().send(new StartPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: `try${i}@example.com` }));
    const e = await failure(() => account().send(new StartPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'try4@example.com' })));
    expect(e.name).toBe('TooManyRequestsException');
    expect(e.$metadata?.httpStatusCode).toBe(429);
    expect(sb.state.accounts[other]!.primaryEmailUpdate!.email).toBe('try3@example.com');
    sb.advanceTime(30_000);
    await account().send(new StartPrimaryEmailUpdateCommand({ AccountId: other, PrimaryEmail: 'try4@example.com' }));
    expect(sb.state.accounts[other]!.primaryEmailUpdate!.email).toBe('try4@example.com');
  });
});
