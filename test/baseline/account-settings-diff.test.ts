import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/plan.js';
import { unverifiableNotice } from '../../src/engine/manual-steps.js';
import { resolvedAccount } from '../helpers/accounts.js';
import { accountAlias } from '../../src/resources/account-alias.js';
import { alternateContacts } from '../../src/resources/alternate-contacts.js';
import { billingAccess } from '../../src/resources/billing-access.js';
import { contactFields } from '../../src/resources/contact-information.js';
import { fromAws, passwordPolicy, policyFields, type PasswordPolicyState } from '../../src/resources/password-policy.js';
import { rootUser } from '../../src/resources/root-user.js';

const account = resolvedAccount();
const CIS: PasswordPolicyState = {
  minimumLength: 14,
  requireSymbols: true,
  requireNumbers: true,
  requireUppercase: true,
  requireLowercase: true,
  allowUsersToChangePassword: true,
  reusePrevention: 24,
  hardExpiry: false,
};
const input = (o: Partial<{ prune: boolean; exists: boolean }> = {}) => ({ account, prune: false, exists: true, region: 'us-east-1', ...o });

describe('password policy diff', () => {
  it.each([
    ['no expiry in AWS reads as no maxPasswordAge', { ...{ MinimumPasswordLength: 14 }, ExpirePasswords: false, MaxPasswordAge: 90 }, undefined],
    ['expiry in AWS reads as maxPasswordAge', { MinimumPasswordLength: 14, ExpirePasswords: true, MaxPasswordAge: 90 }, 90],
  ])('%s', (_name, aws, age) => {
    expect(fromAws(aws).maxPasswordAge).toBe(age);
  });

  it.each<[string, Partial<PasswordPolicyState>, Partial<PasswordPolicyState>, string[]]>([
    ['equal', {}, {}, []],
    ['length', { minimumLength: 8 }, {}, ['minimumLength:8->14']],
    ['expiry set out of band', { maxPasswordAge: 90 }, {}, ['maxPasswordAge:90->null']],
    ['expiry wanted', {}, { maxPasswordAge: 30 }, ['maxPasswordAge:null->30']],
    ['no reuse prevention in AWS', { reusePrevention: 0 }, {}, ['reusePrevention:0->24']],
  ])('%s', (_name, have, want, expected) => {
    const fields = policyFields({ ...CIS, ...want }, { ...CIS, ...have });
    expect(fields.map((f) => `${f.field}:${String(f.before)}->${String(f.after)}`)).toEqual(expected);
  });

  it('creates when AWS has none, reports or (with --prune) deletes when the file has none', () => {
    expect(passwordPolicy.diff(CIS, undefined, input()).changes.map((c) => c.action)).toEqual(['create']);
    expect(passwordPolicy.diff(CIS, undefined, input({ exists: false })).changes.map((c) => c.action)).toEqual(['create']);
    const left = passwordPolicy.diff(undefined, CIS, input());
    expect(left.changes).toEqual([]);
    expect(left.unmanaged.map((u) => u.address)).toEqual(['Prod.password-policy']);
    expect(passwordPolicy.diff(undefined, CIS, input({ prune: true })).changes.map((c) => c.action)).toEqual(['delete']);
  });
});

describe('alias, contacts and contact information diffs', () => {
  it('renames an alias with one update', () => {
    const out = accountAlias.diff({ alias: 'b-b' }, { alias: 'a-a' }, input());
    expect(out.changes[0]).toMatchObject({ address: 'Prod.account-alias', action: 'update', fields: [{ field: 'alias', before: 'a-a', after: 'b-b' }] });
    expect(accountAlias.diff({ alias: 'a-a' }, { alias: 'a-a' }, input()).changes).toEqual([]);
  });

  it('compares name, title, email and phone of each contact', () => {
    const c = { name: 'A', title: 'T', email: 'a@example.com', phone: '+1 1' };
    const out = alternateContacts.diff({ security: c, billing: c }, { security: { ...c, phone: '+1 2' }, operations: c }, input());
    expect(out.changes.map((x) => `${x.action} ${x.address}`)).toEqual(['create Prod.contacts.billing', 'update Prod.contacts.security']);
    expect(out.changes[1]!.fields).toEqual([{ field: 'phone', before: '+1 2', after: '+1 1' }]);
    expect(out.unmanaged.map((u) => u.address)).toEqual(['Prod.contacts.operations']);
    const pruned = alternateContacts.diff({}, { operations: c }, input({ prune: true }));
    expect(pruned.changes.map((x) => `${x.action} ${x.address}`)).toEqual(['delete Prod.contacts.operations']);
  });

  it('shows an optional contact field AWS has and the file does not as a removal (Put replaces the record)', () => {
    const base = { fullName: 'J', addressLine1: '1', city: 'C', postalCode: '1', countryCode: 'US', phoneNumber: '+1 1' };
    expect(contactFields(base, { ...base, companyName: 'X' })).toEqual([{ field: 'companyName', before: 'X', after: null }]);
  });
});

describe('root checks and billing access', () => {
  it('plans no root checks and no billing step for an account that does not exist yet', () => {
    expect(rootUser.diff({ management: false }, undefined, input({ exists: false })).changes).toEqual([]);
    expect(billingAccess.diff(true, undefined, input({ exists: false })).changes).toEqual([]);
  });

  it('turns a root without MFA and with keys into two manual steps', () => {
    const out = rootUser.diff({ management: false }, { mfaEnabled: false, accessKeysPresent: true }, input());
    expect(out.changes.map((c) => `${c.action} ${c.address}`)).toEqual(['manual Prod.root-user.mfa', 'manual Prod.root-user.access-keys']);
    expect(rootUser.diff({ management: false }, { mfaEnabled: true, accessKeysPresent: false }, input()).changes).toEqual([]);
  });

  it('marks billing access unverifiable and counts accounts, not steps, in the closing line', () => {
    const steps = billingAccess.diff(false, true, input()).changes;
    expect(steps[0]).toMatchObject({ action: 'manual', unverifiable: true, after: { iamUserAccessToBilling: 'DENY' } });
    expect(steps[0]!.instructions).toContain('clear Activate IAM Access');
    const manual = [
      { ...steps[0]!, account: 'A' },
      { ...steps[0]!, account: 'A', address: 'A.other' },
      { ...steps[0]!, account: 'B' },
    ];
    expect(unverifiableNotice({ manual } as Plan)).toBe('2 accounts have root-user steps lz cannot verify: run lz plan --manual for the checklist.');
    expect(unverifiableNotice({ manual: manual.slice(0, 1) } as Plan)).toBe('1 account has root-user steps lz cannot verify: run lz plan --manual for the checklist.');
    expect(unverifiableNotice({ manual: [] } as unknown as Plan)).toBeUndefined();
  });
});
