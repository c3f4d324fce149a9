import { DeleteAlternateContactCommand, PutAlternateContactCommand, PutContactInformationCommand } from '@aws-sdk/client-account';
import { DeleteAccountAliasCommand, UpdateAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/plan.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';
import { accountIds, block, heldSettings, inAccount } from './settings-helpers.js';

const SECURITY = { name: 'Security Team', title: 'CISO', email: 'security@example.com', phone: '+1 555 0100' };
const BILLING = { name: 'Finance', title: 'Controller', email: 'finops@example.com', phone: '+1 555 0101' };
const OPERATIONS = { name: 'Ops', title: 'On call', email: 'ops@example.com', phone: '+1 555 0102' };
const yamlOf = (v: unknown) => JSON.stringify(v);

interface Options {
  prodAlias?: string | null;
  devAlias?: string;
  prodPolicy?: string;
  defaultsPolicy?: boolean;
  operations?: boolean;
  city?: string;
}

const manifest = (o: Options = {}) => `
organization:
  management: General
  units: [Workloads]
defaults:
${o.defaultsPolicy === false ? '' : '  passwordPolicy: {}\n'}  contacts:
    security: ${yamlOf(SECURITY)}
    billing: ${yamlOf(BILLING)}
${o.operations === false ? '' : `    operations: ${yamlOf(OPERATIONS)}\n`}accounts:
  - name: General
    email: aws+general@example.com
    alias: example-general
    contactInformation: { fullName: Jane Doe, companyName: Example Corp, addressLine1: 1 Main St, city: ${o.city ?? 'Springfield'}, postalCode: "02134", countryCode: US, phoneNumber: "+1 555 0199" }
  - { name: Development, email: aws+development@example.com, unit: Workloads, alias: ${o.devAlias ?? 'example-dev'} }
  - name: Production
    email: aws+production@example.com
    unit: Workloads
${o.prodAlias === null ? '' : `    alias: ${o.prodAlias ?? 'example-prod'}\n`}${o.prodPolicy ? `    passwordPolicy: ${o.prodPolicy}\n` : ''}`;

/** The full CIS-shaped policy the schema's defaults give, as IAM reports it. */
const CIS_POLICY = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  AllowUsersToChangePassword: true,
  ExpirePasswords: false,
  PasswordReusePrevention: 24,
  HardExpiry: false,
};

describe('account baseline: password policy, alias, contacts, contact information, root checks, billing access', () => {
  let w: TestWorld;
  let ids: Record<string, string>;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 100, rolePropagation: 200 } });
  });
  afterAll(async () => w.close());

  it('plans every item of a fresh organization as a create, those in new accounts after the account', async () => {
    w.writeManifest(manifest());
    const { code, out } = await w.lz('plan', '--json');
    expect(code).toBe(0);
    const plan = JSON.parse(out) as Plan;
    const addresses = plan.changes.map((c) => c.address);
    for (const name of ['General', 'Development', 'Production']) {
      for (const item of ['password-policy', 'account-alias', 'contacts.security', 'contacts.billing', 'contacts.operations']) {
        expect(addresses).toContain(`${name}.${item}`);
        expect(plan.changes.find((c) => c.address === `${name}.${item}`)!.action).toBe('create');
      }
    }
    expect(addresses).toContain('General.contact-information');
    expect(addresses).not.toContain('Development.contact-information');
    expect(plan.changes.find((c) => c.address === 'Production.password-policy')!.dependsOn).toContain('account:Production');
    expect(plan.changes.find((c) => c.address === 'General.password-policy')!.dependsOn ?? []).toEqual([]);
    // A new account cannot be read yet: no root checks and no billing step (CreateAccount sets it).
    expect(plan.manual.filter((c) => c.account === 'Production')).toEqual([]);
    // The management account exists: billing access is an unverifiable manual step there.
    expect(plan.manual.find((c) => c.address === 'General.billing-access')).toMatchObject({ action: 'manual', unverifiable: true });

    const checklist = await w.lz('plan', '--manual', '--detailed-exitcode');
    expect(checklist.code).toBe(0);
    expect(checklist.out).toContain('Production (to be created by lz apply), root user aws+production@example.com');
    expect(checklist.out).toContain('[x] IAM user and role access to billing: ALLOW, set by lz apply when it creates the account');
    expect(checklist.out).not.toContain('Production.billing-access');

    const text = await w.lz('plan');
    expect(text.out).toContain('+ Production.password-policy');
    expect(block(text.out, '+ Production.password-policy')).toContain('minimumLength              = 14');
    expect(block(text.out, '+ Production.password-policy')).toContain('reusePrevention            = 24');
  });

  it('applies them inside each account and then plans no changes', async () => {
    const { code, out, err } = await w.lz('apply', '--auto-approve');
    expect(err + out).toContain('Apply complete!');
    expect(code).toBe(0);
    ids = await accountIds(w);
    const aliasOf: Record<string, string> = { General: 'example-general', Development: 'example-dev', Production: 'example-prod' };
    for (const name of ['General', 'Development', 'Production']) {
      const held = await heldSettings(w, ids[name]!);
      expect(held.passwordPolicy, name).toEqual(CIS_POLICY);
      expect(held.aliases, name).toEqual([aliasOf[name]]);
      expect(held.contacts.SECURITY, name).toEqual({ Name: 'Security Team', Title: 'CISO', EmailAddress: 'security@example.com', PhoneNumber: '+1 555 0100' });
      expect(held.contacts.BILLING?.EmailAddress, name).toBe('finops@example.com');
      expect(held.contacts.OPERATIONS?.EmailAddress, name).toBe('ops@example.com');
    }
    expect((await heldSettings(w, ids.General!)).contactInformation).toEqual({
      FullName: 'Jane Doe', CompanyName: 'Example Corp', AddressLine1: '1 Main St', City: 'Springfield', PostalCode: '02134', CountryCode: 'US', PhoneNumber: '+1 555 0199',
    });
    // Contacts were written by each account itself (no AccountId from the management account).
    const puts = w.sandbox.requests().filter((r) => r.operation === 'PutAlternateContact');
    expect(new Set(puts.map((r) => r.callerAccount))).toEqual(new Set(Object.values(ids)));

    const again = await w.lz('plan', '--detailed-exitcode');
    expect(again.out).toContain('No changes. Your organization matches accounts.yaml.');
    expect(again.code).toBe(0);
  });

  it('reads each item once per account: one call per item, nothing repeated', async () => {
    w.sandbox.clearRequests();
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
    const ours = ['GetAccountPasswordPolicy', 'ListAccountAliases', 'GetAlternateContact', 'GetContactInformation', 'GetAccountSummary'];
    for (const [name, id] of Object.entries(ids)) {
      const calls = w.sandbox.requests().filter((r) => r.callerAccount === id && ours.includes(r.operation));
      const count = (op: string) => calls.filter((r) => r.operation === op).length;
      expect([count('GetAccountPasswordPolicy'), count('ListAccountAliases'), count('GetAlternateContact'), count('GetAccountSummary')], name).toEqual([1, 1, 3, 1]);
      expect(count('GetContactInformation'), name).toBe(name === 'General' ? 1 : 0);
    }
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
  });

  it('shows out-of-band changes field by field and puts them back', async () => {
    const general = await inAccount(w, ids.General!);
    const dev = await inAccount(w, ids.Development!);
    const prod = await inAccount(w, ids.Production!);
    // Someone weakens General's policy (the whole policy is replaced, so they send all of it).
    await general.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, PasswordReusePrevention: 24, HardExpiry: false }));
    await general.account.send(new PutContactInformationCommand({ ContactInformation: { FullName: 'Jane Doe', CompanyName: 'Example Corp', AddressLine1: '1 Main St', City: 'Shelbyville', PostalCode: '02134', CountryCode: 'US', PhoneNumber: '+1 555 0199' } }));
    await dev.iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'example-dev' }));
    await prod.account.send(new DeleteAlternateContactCommand({ AlternateContactType: 'SECURITY' }));
    await dev.account.send(new PutAlternateContactCommand({ AlternateContactType: 'BILLING', Name: 'Finance', Title: 'Controller', EmailAddress: 'finops@example.com', PhoneNumber: '+1 555 9999' }));
    // And sets password expiry in Production.
    await prod.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, PasswordReusePrevention: 24, MaxPasswordAge: 90 }));
    for (const c of [general, dev, prod]) {
      c.iam.destroy();
      c.account.destroy();
    }

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(block(plan.out, '~ General.password-policy')).toEqual(['~ minimumLength: 8 -> 14']);
    expect(block(plan.out, '~ General.contact-information')).toEqual(['~ city: "Shelbyville" -> "Springfield"']);
    expect(block(plan.out, '+ Development.account-alias')).toEqual(['alias = "example-dev"']);
    expect(block(plan.out, '+ Production.contacts.security')).toContain('email = "security@example.com"');
    expect(block(plan.out, '~ Production.password-policy')).toEqual(['- maxPasswordAge = 90']);
    expect(block(plan.out, '~ Development.contacts.billing')).toEqual(['~ phone: "+1 555 9999" -> "+1 555 0101"']);
    expect(plan.out).toContain('Plan: 2 to add, 4 to change, 0 to destroy.');

    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect((await heldSettings(w, ids.General!)).passwordPolicy).toEqual(CIS_POLICY);
    expect((await heldSettings(w, ids.Production!)).passwordPolicy).toEqual(CIS_POLICY);
    expect((await heldSettings(w, ids.General!)).contactInformation?.City).toBe('Springfield');
    expect((await heldSettings(w, ids.Development!)).aliases).toEqual(['example-dev']);
    expect((await heldSettings(w, ids.Production!)).contacts.SECURITY?.EmailAddress).toBe('security@example.com');
    expect((await heldSettings(w, ids.Development!)).contacts.BILLING?.PhoneNumber).toBe('+1 555 0101');
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('changes a policy field and renames an alias', async () => {
    w.writeManifest(manifest({ prodAlias: 'example-production', prodPolicy: '{ minimumLength: 20, maxPasswordAge: 90 }' }));
    const plan = await w.lz('plan');
    expect(block(plan.out, '~ Production.password-policy')).toEqual(['~ minimumLength: 14 -> 20', '+ maxPasswordAge = 90']);
    expect(block(plan.out, '~ Production.account-alias')).toEqual(['~ alias: "example-prod" -> "example-production"']);
    w.sandbox.clearRequests();
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    // A rename is one CreateAccountAlias (it overwrites): never a moment without an alias.
    expect(w.sandbox.requests().filter((r) => r.operation.endsWith('AccountAlias')).map((r) => r.operation)).toEqual(['CreateAccountAlias']);
    const held = await heldSettings(w, ids.Production!);
    expect(held.aliases).toEqual(['example-production']);
    expect(held.passwordPolicy).toEqual({ ...CIS_POLICY, MinimumPasswordLength: 20, ExpirePasswords: true, MaxPasswordAge: 90 });
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('names a taken alias clearly, keeps the old one, and still does the other accounts', async () => {
    const stranger = w.sandbox.addStandaloneAccount({ name: 'Stranger', email: 'stranger@example.net' });
    stranger.iam.aliases = ['example-taken'];
    w.writeManifest(manifest({ devAlias: 'example-taken', prodAlias: 'example-production', prodPolicy: '{ minimumLength: 24 }' }));
    const r = await w.lz('apply', '--auto-approve');
    expect(r.code).toBe(1);
    expect(r.out).toContain('x Development.account-alias: Account Development: the alias example-taken is taken by another AWS account; aliases are global across AWS: choose another in accounts.yaml.');
    expect(r.out).toContain('1 failed');
    // The stranger keeps theirs, Development keeps its old alias, Production's change went through.
    expect(stranger.iam.aliases).toEqual(['example-taken']);
    expect((await heldSettings(w, ids.Development!)).aliases).toEqual(['example-dev']);
    expect((await heldSettings(w, ids.Production!)).passwordPolicy?.MinimumPasswordLength).toBe(24);
    w.writeManifest(manifest({ prodAlias: 'example-production' }));
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('reports what the file no longer names and deletes it only with --prune', async () => {
    w.writeManifest(manifest({ prodAlias: null, operations: false, defaultsPolicy: false }));
    w.sandbox.clearRequests();
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('? account alias example-production on account Production; accounts.yaml declares none');
    expect(plan.out).toContain('? operations contact Ops <ops@example.com> on account Development; accounts.yaml declares none');
    expect(plan.out).toContain('? password policy on account General (minimum length 14); accounts.yaml declares none');
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
    expect((await heldSettings(w, ids.Production!)).aliases).toEqual(['example-production']);

    const pruning = await w.lz('plan', '--prune');
    expect(pruning.out).toContain('- Production.account-alias');
    expect(pruning.out).toContain('- Development.contacts.operations');
    expect(pruning.out).toContain('- General.password-policy');
    expect(pruning.out).toContain('Plan: 0 to add, 0 to change, 7 to destroy.');
    expect((await w.lz('apply', '--auto-approve', '--prune')).code).toBe(0);
    const prod = await heldSettings(w, ids.Production!);
    expect(prod.aliases).toEqual([]);
    expect(prod.contacts.OPERATIONS).toBeUndefined();
    expect(prod.contacts.SECURITY).toBeDefined();
    expect(prod.passwordPolicy).toBeUndefined();
    expect((await w.lz('plan', '--detailed-exitcode', '--prune')).code).toBe(0);
    // Back to the full baseline for what follows.
    w.writeManifest(manifest({ prodAlias: 'example-production' }));
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
  });

  it('lists root-user findings as manual steps naming the account, and counts what lz cannot verify in one line', async () => {
    w.sandbox.state.accounts[ids.General!]!.root = { mfaEnabled: true, accessKeysPresent: false, passwordPresent: true };
    w.sandbox.state.accounts[ids.Development!]!.root = { mfaEnabled: true, accessKeysPresent: false, passwordPresent: true };
    w.sandbox.state.accounts[ids.Production!]!.root = { mfaEnabled: false, accessKeysPresent: true, passwordPresent: true };
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    // One line per kind of step; what to do is in the checklist.
    expect(plan.out).toContain('  ! root user has no MFA (1): Production\n');
    expect(plan.out).toContain('  ! root user has access keys (1): Production\n');
    const checklist = (await w.lz('plan', '--manual')).out.replace(/\s+/g, ' ');
    expect(checklist).toContain('Account Production: the root user has no MFA (CIS 1.5, Security Hub IAM.9). Sign in as the root user (aws+production@example.com)');
    expect(checklist).toContain('Account Production: the root user has access keys (CIS 1.4, Security Hub IAM.4)');
    expect(plan.out).not.toContain('General.root-user');
    expect(plan.out).not.toContain('Development.root-user');
    // Billing access cannot be read: not repeated every run, counted in the last line.
    expect(plan.out).not.toContain('billing-access');
    expect(plan.out).toContain('No changes. Your organization matches accounts.yaml. 2 manual steps (see above; lz plan --manual for the checklist).');
    expect(plan.out.trimEnd().split('\n').at(-1)).toBe('3 accounts have root-user steps lz cannot verify: run lz plan --manual for the checklist.');

    const json = JSON.parse((await w.lz('plan', '--json')).out) as Plan;
    expect(json.manual.map((c) => c.address).sort()).toEqual([
      'Development.billing-access',
      'General.billing-access',
      'Production.billing-access',
      'Production.root-user.access-keys',
      'Production.root-user.mfa',
    ]);
    expect(json.manual.find((c) => c.address === 'General.billing-access')!.instructions).toContain('IAM user and role access to Billing information > Edit > select Activate IAM Access');
  });

  it('prints the per-account checklist with lz plan --manual', async () => {
    const { code, out } = await w.lz('plan', '--manual');
    expect(code).toBe(0);
    const section = (name: string) => {
      const lines = out.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`${name} `) || l.startsWith(`${name},`));
      const end = lines.findIndex((l, i) => i > at && l === '');
      // One line per step, with its wrapped instructions joined back onto it.
      return lines.slice(at, end).join('\n').replace(/\n {8}/g, ' ');
    };
    const general = section('General');
    expect(general).toContain('General (management account), root user aws+general@example.com');
    expect(general).toContain('[x] Root user MFA (verified: GetAccountSummary AccountMFAEnabled = 1, or no root credentials to protect)');
    expect(general).toContain('[x] Root user access keys deleted (verified');
    expect(general).toContain('[ ] IAM user and role access to billing: activated (lz cannot verify)');
    expect(general).toContain('Activate IAM Access');
    expect(general).toContain('[ ] Root password stored safely (lz cannot verify)');
    expect(general).toContain('[x] Alternate contacts (billing, operations, security)');
    const prod = section('Production');
    expect(prod).toContain('[ ] Root user MFA (CIS 1.5, Security Hub IAM.9)');
    expect(prod).toContain('[ ] Root user access keys deleted (CIS 1.4, Security Hub IAM.4)');
    expect(prod).toContain('Access keys: make sure nothing uses them');
    expect(out).toMatch(/8 of 15 steps open in 3 accounts\.\n$/);
    // The plan itself is not printed.
    expect(out).not.toContain('No changes.');
  });

  it("puts the management account's differing root email (an account-module manual step) in its checklist too, and limits it to --target", async () => {
    // A member's name and email are lz's to change (PutAccountName, StartPrimaryEmailUpdate); the management
    // account's email only its root user changes.
    const record = w.sandbox.state.accounts[ids.General!]!;
    record.email = 'aws+general-old@example.com';
    const { out } = await w.lz('plan', '--manual', '--target', 'General');
    expect(out).toContain('[ ] account:General.email');
    expect(out.replace(/\n +/g, ' ')).toContain(`The management account ${ids.General} has root email aws+general-old@example.com in AWS and aws+general@example.com in the file`);
    expect(out).not.toContain('Production');
    expect(out).toMatch(/ steps open in 1 account\.\n$/);
    record.email = 'aws+general@example.com';
  });
});
