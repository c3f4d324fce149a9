import {
  AccessDeniedException,
  AccountClient,
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
  ResourceNotFoundException,
  ValidationException,
  type AlternateContactType,
} from '@aws-sdk/client-account';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  EnableAWSServiceAccessCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, ADMIN_USER_NAME, type SandboxHandle } from '../../src/sandbox/index.js';
import { createAccessKey } from '../../src/sandbox/services/iam/index.js';
import { assume, clientConfig, failure, type Creds } from './clients.js';

let sb: SandboxHandle;
let mgmt: AccountClient;
let org: OrganizationsClient;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, delays: { createAccount: 200, rolePropagation: 200, ...NO_SETTLING } });
  mgmt = new AccountClient(clientConfig(sb));
  org = new OrganizationsClient(clientConfig(sb));
});

afterAll(async () => {
  mgmt.destroy();
  org.destroy();
  await sb.close();
});

const accountClient = (credentials: Creds) => new AccountClient(clientConfig(sb, credentials));

const security = { Name: 'Security Team', Title: 'CISO', EmailAddress: 'security@example.com', PhoneNumber: '+1 555 0100' };

async function newMember(name: string): Promise<{ id: string; client: AccountClient }> {
  const req = (await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }))).CreateAccountStatus!;
  sb.advanceTime(400);
  const id = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: req.Id! }))).CreateAccountStatus!.AccountId!;
  return { id, client: accountClient(await assume(sb, `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`)) };
}

describe('alternate contacts in the caller’s own account', () => {
  it('puts, gets, overwrites and deletes each contact type', async () => {
    const get = (AlternateContactType: AlternateContactType) => mgmt.send(new GetAlternateContactCommand({ AlternateContactType }));
    expect(await failure(() => get('SECURITY'))).toBeInstanceOf(ResourceNotFoundException);

    await mgmt.send(new PutAlternateContactCommand({ AlternateContactType: 'SECURITY', ...security }));
    await mgmt.send(new PutAlternateContactCommand({ AlternateContactType: 'BILLING', ...security, Name: 'Finance' }));
    expect((await get('SECURITY')).AlternateContact).toEqual({ AlternateContactType: 'SECURITY', ...security });
    expect((await get('BILLING')).AlternateContact!.Name).toBe('Finance');
    expect(await failure(() => get('OPERATIONS'))).toBeInstanceOf(ResourceNotFoundException);

    await mgmt.send(new PutAlternateContactCommand({ AlternateContactType: 'SECURITY', ...security, Title: 'Head of Security' }));
    expect((await get('SECURITY')).AlternateContact!.Title).toBe('Head of Security');

    await mgmt.send(new DeleteAlternateContactCommand({ AlternateContactType: 'BILLING' }));
    expect(await failure(() => get('BILLING'))).toBeInstanceOf(ResourceNotFoundException);
    expect(await failure(() => mgmt.send(new DeleteAlternateContactCommand({ AlternateContactType: 'BILLING' })))).toBeInstanceOf(ResourceNotFoundException);
    expect((await get('SECURITY')).AlternateContact!.Name).toBe('Security Team');
  });

  it('validates phone numbers, emails, lengths and the contact type', async () => {
    const bad = [
      { ...security, PhoneNumber: 'call me' },
      { ...security, EmailAddress: 'nobody' },
      { ...security, Name: 'x'.repeat(65) },
      { ...security, Title: '' },
    ];
    for (const contact of bad) {
      const e = await failure(() => mgmt.send(new PutAlternateContactCommand({ AlternateContactType: 'OPERATIONS', ...contact })));
      expect(e).toBeInstanceOf(ValidationException);
    }
    expect(await failure(() => mgmt.send(new PutAlternateContactCommand({ AlternateContactType: 'LEGAL' as AlternateContactType, ...security })))).toBeInstanceOf(
      ValidationException,
    );
    expect(await failure(() => mgmt.send(new GetAlternateContactCommand({ AlternateContactType: 'OPERATIONS' })))).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('contact information', () => {
  it('puts and gets the primary contact, validating it', async () => {
    expect(await failure(() => mgmt.send(new GetContactInformationCommand({})))).toBeInstanceOf(ResourceNotFoundException);
    const info = { FullName: 'Jane Doe', AddressLine1: '1 Main St', City: 'Springfield', PostalCode: '12345', CountryCode: 'US', PhoneNumber: '+1 555 0199', CompanyName: 'Example' };
    await mgmt.send(new PutContactInformationCommand({ ContactInformation: info }));
    expect((await mgmt.send(new GetContactInformationCommand({}))).ContactInformation).toEqual(info);
    // The primary contact's phone number must start with '+'.
    expect(await failure(() => mgmt.send(new PutContactInformationCommand({ ContactInformation: { ...info, PhoneNumber: '555 0199' } })))).toBeInstanceOf(
      ValidationException,
    );
    expect((await mgmt.send(new GetContactInformationCommand({}))).ContactInformation!.PhoneNumber).toBe('+1 555 0199');
  });
});

describe('AccountId: the management account acting on a member', () => {
  it('is refused until trusted access is enabled, then works; members and outsiders are refused', async () => {
    await org.send(new CreateOrganizationCommand({}));
    const alice = await newMember('Alice');
    const bob = await newMember('Bob');

    const put = (client: AccountClient, AccountId?: string) =>
      client.send(new PutAlternateContactCommand({ AccountId, AlternateContactType: 'OPERATIONS', ...security, Name: 'Ops' }));
    const noTrust = await failure(() => put(mgmt, alice.id));
    expect(noTrust).toBeInstanceOf(AccessDeniedException);
    expect(noTrust.message).toMatch(/trusted access/);

    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'account.amazonaws.com' }));
    await put(mgmt, alice.id);
    // Read back from inside the member account: the contact landed there, not in the management account.
    expect((await alice.client.send(new GetAlternateContactCommand({ AlternateContactType: 'OPERATIONS' }))).AlternateContact!.Name).toBe('Ops');
    expect((await mgmt.send(new GetAlternateContactCommand({ AccountId: alice.id, AlternateContactType: 'OPERATIONS' }))).AlternateContact!.Name).toBe('Ops');
    expect(await failure(() => mgmt.send(new GetAlternateContactCommand({ AlternateContactType: 'OPERATIONS' })))).toBeInstanceOf(ResourceNotFoundException);
    expect(await failure(() => bob.client.send(new GetAlternateContactCommand({ AlternateContactType: 'OPERATIONS' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );

    // A member can manage its own contacts without AccountId, but never another account's, nor name itself.
    await put(bob.client);
    expect(await failure(() => put(bob.client, alice.id))).toBeInstanceOf(AccessDeniedException);
    expect(await failure(() => bob.client.send(new GetAlternateContactCommand({ AccountId: bob.id, AlternateContactType: 'OPERATIONS' })))).toBeInstanceOf(
      AccessDeniedException,
    );
    // The management account can't name itself, nor an account outside its organization.
    expect(await failure(() => put(mgmt, sb.managementAccountId))).toBeInstanceOf(AccessDeniedException);
    const outside = sb.addStandaloneAccount({ name: 'Outside', email: 'outside@example.com' });
    expect(await failure(() => put(mgmt, outside.id))).toBeInstanceOf(AccessDeniedException);
    const key = createAccessKey(sb.state, outside, sb.runtime, ADMIN_USER_NAME);
    const outsider = accountClient({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    expect(await failure(() => put(outsider, alice.id))).toBeInstanceOf(AccessDeniedException);
    expect(await failure(() => outsider.send(new GetAlternateContactCommand({ AlternateContactType: 'OPERATIONS' })))).toBeInstanceOf(ResourceNotFoundException);

    await mgmt.send(new DeleteAlternateContactCommand({ AccountId: alice.id, AlternateContactType: 'OPERATIONS' }));
    expect(await failure(() => alice.client.send(new GetAlternateContactCommand({ AlternateContactType: 'OPERATIONS' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );

    const info = { FullName: 'Alice', AddressLine1: '2 Side St', City: 'Shelbyville', PostalCode: '54321', CountryCode: 'US', PhoneNumber: '+1 555 0123' };
    await mgmt.send(new PutContactInformationCommand({ AccountId: alice.id, ContactInformation: info }));
    expect((await alice.client.send(new GetContactInformationCommand({}))).ContactInformation).toEqual(info);
    expect(await failure(() => bob.client.send(new GetContactInformationCommand({ AccountId: alice.id })))).toBeInstanceOf(AccessDeniedException);
  });
});
