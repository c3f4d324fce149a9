import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLoginProfileCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvedAccount } from '../helpers/accounts.js';
import { consoleMfa } from '../../src/resources/console-mfa.js';
import { iamAdminGroup, type AdminGroupHave } from '../../src/resources/iam-admin-group.js';
import { iamAdminSection, iamAdminUser, type AdminUserHave } from '../../src/resources/iam-admin-user.js';
import { decodePolicyDocument, parseCredentialReport } from '../../src/resources/iam-reads.js';
import { mfaPolicy, mfaPolicyDocument } from '../../src/resources/mfa-policy.js';
import type { AccountApplyContext } from '../../src/core/module.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { accountFolder, generatePassword, passwordLength, safeSegment } from '../../src/secrets.js';

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const RO = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const MFA_ARN = 'arn:aws:iam::111111111111:policy/lz-require-mfa';
const account = resolvedAccount({
  iamAdmin: { user: 'IAMADMIN', group: 'Administrators', policies: [ADMIN], consoleAccess: true, requireMfa: true, mfaPolicyName: 'lz-require-mfa', passwordStore: 'local' },
  passwordPolicy: { minimumLength: 32, requireSymbols: true, requireNumbers: true, requireUppercase: true, requireLowercase: true, allowUsersToChangePassword: true, reusePrevention: 24, hardExpiry: false },
});
const input = (o: Partial<{ prune: boolean; exists: boolean }> = {}) => ({ account, prune: false, exists: true, region: 'us-east-1', ...o });
const summary = (out: { changes: { action: string; address: string }[]; unmanaged: { address: string }[] }) => ({
  changes: out.changes.map((c) => `${c.action} ${c.address}`),
  unmanaged: out.unmanaged.map((u) => u.address),
});

describe('generated passwords', () => {
  it('are max(policy minimum, 20) long, from every character class, and never repeat', () => {
    expect(passwordLength(undefined)).toBe(20);
    expect(passwordLength({ minimumLength: 14 })).toBe(20);
    expect(passwordLength({ minimumLength: 32 })).toBe(32);
    expect(passwordLength({ minimumLength: 128 })).toBe(128);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword(20);
      expect(p).toHaveLength(20);
      for (const cls of [/[A-Z]/, /[a-z]/, /[0-9]/, /[!@#$%^&*()_+\-=[\]{}|]/]) expect(p).toMatch(cls);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });

  it('keeps account names safe as path segments', () => {
    expect(safeSegment('Teams/Data')).toBe('Teams_Data');
    expect(safeSegment('..')).toBe('_');
    expect(safeSegment('Prod')).toBe('Prod');
  });
});

describe('shared IAM reads', () => {
  it('parses the credential report, the root row apart', () => {
    const csv = [
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
      '<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      'alice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00+00:00,true,N/A,2020-01-01T00:00:00+00:00,N/A,false,true,2021-02-03T04:05:06+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      '',
    ].join('\n');
    const r = parseCredentialReport(csv);
    expect(r.root).toMatchObject({ passwordEnabled: 'not_supported', mfaActive: true, accessKey1Active: false });
    expect(r.users).toHaveLength(1);
    expect(r.users[0]).toMatchObject({ user: 'alice', passwordEnabled: true, mfaActive: false, accessKey1Active: true, accessKey1LastRotated: '2021-02-03T04:05:06+00:00', accessKey2Active: false });
    expect(r.users[0]!.accessKey2LastRotated).toBeUndefined();
  });

  it('decodes the URL-encoded documents IAM returns', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::a b/*' }] };
    expect(decodePolicyDocument(encodeURIComponent(JSON.stringify(doc)))).toEqual(doc);
    expect(decodePolicyDocument(JSON.stringify(doc))).toEqual(doc);
  });
});

describe('iam-admin-group diff', () => {
  const want = iamAdminGroup.desired(account, undefined as never)!;
  const group = (policies: string[]): AdminGroupHave => ({ group: { name: 'Administrators', arn: 'g', policies, inlinePolicies: [], members: [] }, ownedElsewhere: [MFA_ARN], retired: [] });

  it.each<[string, AdminGroupHave | undefined, Partial<{ prune: boolean; exists: boolean }>, ReturnType<typeof summary>]>([
    ['absent: create', { ownedElsewhere: [], retired: [] }, {}, { changes: ['create Prod.iam-admin-group'], unmanaged: [] }],
    ['account not created yet: create', undefined, { exists: false }, { changes: ['create Prod.iam-admin-group'], unmanaged: [] }],
    ['as declared, the MFA policy is not an extra', group([ADMIN, MFA_ARN]), {}, { changes: [], unmanaged: [] }],
    ['policy missing: update', group([]), {}, { changes: ['update Prod.iam-admin-group'], unmanaged: [] }],
    ['extra policy: reported', group([ADMIN, RO]), {}, { changes: [], unmanaged: [`Prod.iam-admin-group.policy:${RO}`] }],
    ['extra policy with --prune: detached', group([ADMIN, RO]), { prune: true }, { changes: ['update Prod.iam-admin-group'], unmanaged: [] }],
  ])('%s', (_name, have, o, expected) => {
    expect(summary(iamAdminGroup.diff(want, have, input(o)))).toEqual(expected);
  });

  it('shows the policies it changes, and without --prune never claims to detach an extra one', () => {
    const update = iamAdminGroup.diff({ ...want, policies: [ADMIN, 'arn:aws:iam::aws:policy/Billing'] }, group([ADMIN, RO]), input()).changes[0]!;
    expect(update.fields).toEqual([{ field: 'policies', before: [ADMIN], after: [ADMIN, 'arn:aws:iam::aws:policy/Billing'] }]);
    const pruned = iamAdminGroup.diff(want, group([ADMIN, RO]), input({ prune: true })).changes[0]!;
    expect(pruned.fields).toEqual([{ field: 'policies', before: [ADMIN, RO], after: [ADMIN] }]);
  });

  it('reports a group lz manages that the file no longer names, and deletes it with --prune', () => {
    const retired = { ownedElsewhere: [], retired: [{ name: 'Administrators', arn: 'g', policies: [ADMIN], inlinePolicies: [], members: ['IAMADMIN'] }] };
    expect(summary(iamAdminGroup.diff(undefined, retired, input()))).toEqual({ changes: [], unmanaged: ['Prod.iam-admin-group.Administrators'] });
    const del = iamAdminGroup.diff(undefined, retired, input({ prune: true })).changes[0]!;
    expect(del).toMatchObject({ action: 'delete', address: 'Prod.iam-admin-group.Administrators' });
    expect(del.dependsOn).toContain('Prod.iam-admin-user.IAMADMIN');
  });
});

describe('iam-admin-user diff', () => {
  const want = iamAdminUser.desired(account, undefined as never)!;
  const user = (o: Partial<NonNullable<AdminUserHave['user']>> = {}): AdminUserHave => ({
    user: { name: 'IAMADMIN', groups: ['Administrators'], policies: [], inlinePolicies: [], tags: { ...want.tags }, passwordEnabled: true, ...o },
    retired: [],
  });

  it('creates the user after its group, with a password generated at apply and never in the plan', () => {
    const create = iamAdminUser.diff(want, undefined, input({ exists: false })).changes[0]!;
    expect(create).toMatchObject({ action: 'create', address: 'Prod.iam-admin-user', dependsOn: ['Prod.iam-admin-group'] });
    expect(create.after).toMatchObject({ 'console password': `(generated at apply, written to .lz/secrets/${accountFolder('Prod')}/IAMADMIN.txt)`, 'password length': 32 });
  });

  it.each<[string, AdminUserHave, boolean, string[], string[]]>([
    ['as declared', user(), false, [], []],
    ['out of its group', user({ groups: [] }), false, ['group:null->Administrators'], []],
    ['no login profile', user({ passwordEnabled: false }), false, ['console password:null->true'], []],
    ['adopted, untagged', user({ tags: {} }), false, ['tags.lz:managed:null->iam-admin-user', 'tags.lz:group:null->Administrators'], []],
    ['a policy of its own (CIS 1.15)', user({ policies: [RO] }), false, [], [`Prod.iam-admin-user.policy:${RO}`]],
    ['a policy of its own, --prune', user({ policies: [RO] }), true, [`policies:${RO}->`], []],
  ])('%s', (_name, have, prune, fields, unmanaged) => {
    const out = iamAdminUser.diff(want, have, input({ prune }));
    expect(out.changes.flatMap((c) => c.fields ?? []).map((f) => `${f.field}:${String(f.before)}->${String(f.after)}`)).toEqual(fields);
    expect(out.unmanaged.map((u) => u.address)).toEqual(unmanaged);
  });

  it('shows where the password goes, not a value', () => {
    const field = iamAdminUser.diff(want, user({ passwordEnabled: false }), input()).changes[0]!.fields![0]!;
    expect(field.note).toBe(`generated at apply, written to .lz/secrets/${accountFolder('Prod')}/IAMADMIN.txt`);
  });

  it('keeps the initial password in Secrets Manager, and plans its deletion once it is of no use', () => {
    const sm = { ...want, 'console password': 'secrets-manager' as const };
    const create = iamAdminUser.diff(sm, undefined, input({ exists: false })).changes[0]!;
    expect(create.after).toMatchObject({ 'console password': '(generated at apply, written to secretsmanager:us-east-1:Prod:lz/initial-password/IAMADMIN)' });
    expect(create.payload).toMatchObject({ loginProfile: { passwordLength: 32, secretsManager: { region: 'us-east-1' } } });
    const arn = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:lz/initial-password/IAMADMIN-AbCdEf';
    const withSecret = (password: 'waiting' | 'changed' | 'no-login-profile', passwordEnabled = true) => ({ ...user({ passwordEnabled }), initialPassword: { arn, password } });
    expect(iamAdminUser.diff(sm, withSecret('waiting'), input()).changes).toEqual([]);
    const [del] = iamAdminUser.diff(sm, withSecret('changed'), input()).changes;
    expect(del).toMatchObject({ action: 'delete', address: 'Prod.iam-admin-user.initial-password', payload: { op: 'delete-initial-password', user: 'IAMADMIN', region: 'us-east-1', secret: arn } });
    expect(del!.fields![0]!.note).toBe('IAMADMIN has set their own password');
    // A login profile this plan makes puts its password into the secret: the secret stays.
    expect(summary(iamAdminUser.diff(sm, withSecret('no-login-profile', false), input()))).toEqual({ changes: ['update Prod.iam-admin-user'], unmanaged: [] });
  });

  it('deletes a user lz manages and the file no longer names only with --prune', () => {
    const have: AdminUserHave = { retired: [{ name: 'IAMADMIN', groups: ['Administrators'], policies: [], inlinePolicies: [], tags: {}, passwordEnabled: true }] };
    expect(summary(iamAdminUser.diff(undefined, have, input()))).toEqual({ changes: [], unmanaged: ['Prod.iam-admin-user.IAMADMIN'] });
    expect(summary(iamAdminUser.diff(undefined, have, input({ prune: true })))).toEqual({ changes: ['delete Prod.iam-admin-user.IAMADMIN'], unmanaged: [] });
  });
});

describe('mfa-policy diff', () => {
  const want = mfaPolicy.desired(account, undefined as never)!;
  it('compares documents canonically (key order does not matter), and the attachment', () => {
    const same = { policy: { name: 'lz-require-mfa', arn: MFA_ARN, document: { Statement: (mfaPolicyDocument() as { Statement: unknown }).Statement, Version: '2012-10-17' }, attachedGroups: ['Administrators'] }, retired: [] };
    expect(mfaPolicy.diff(want, same, input()).changes).toEqual([]);
    const drifted = { policy: { ...same.policy, document: { Version: '2012-10-17', Statement: [] }, attachedGroups: [] }, retired: [] };
    const change = mfaPolicy.diff(want, drifted, input()).changes[0]!;
    expect(change.fields!.map((f) => f.field)).toEqual(['document', 'attached to']);
    expect(change.dependsOn).toEqual(['Prod.iam-admin-group']);
  });

  it('is off without requireMfa', () => {
    expect(mfaPolicy.desired({ ...account, sections: { ...account.sections, iamAdmin: { ...iamAdminSection.of(account)!, requireMfa: false } } }, undefined as never)).toBeUndefined();
  });
});

describe('console-mfa', () => {
  const want = consoleMfa.desired(account, undefined as never)!;
  it('lists console users without MFA as manual steps, and the admin user before it exists', () => {
    const out = consoleMfa.diff(want, { withoutMfa: ['alice'], adminExists: false }, input());
    expect(out.changes.map((c) => `${c.action} ${c.address}`)).toEqual(['manual Prod.console-mfa.IAMADMIN', 'manual Prod.console-mfa.alice']);
    expect(out.changes[1]!.instructions).toContain('Sign in as alice, open Security credentials > Assign MFA device');
    expect(consoleMfa.diff(want, { withoutMfa: [], adminExists: true }, input()).changes).toEqual([]);
  });
});

describe('the login profile, applied against live state', () => {
  let sb: SandboxHandle;
  let iam: IAMClient;
  beforeAll(async () => {
    sb = await startSandbox({ seed: 3 });
    iam = new IAMClient({ region: 'us-east-1', endpoint: sb.endpoint, credentials: sb.managementCredentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    iam.destroy();
    await sb.close();
  });

  it('never replaces a password: a login profile made since the plan is kept, and no secret file is left', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'IAMADMIN' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'IAMADMIN', Password: 'Someone-Else-Set-This-1' }));
    const before = sb.state.accounts[sb.managementAccountId]!.iam.users.IAMADMIN!.loginProfile!.passwordSha256;
    const workdir = mkdtempSync(join(tmpdir(), 'lz-secret-'));
    const steps: string[] = [];
    const ctx = { clients: { iam }, accountId: sb.managementAccountId, workdir, progress: (_s: string, step: string) => steps.push(step) } as unknown as AccountApplyContext;
    const want = iamAdminUser.desired(account, undefined as never)!;
    await iamAdminUser.apply(ctx, {
      address: 'Prod.iam-admin-user',
      kind: 'iam-admin-user',
      action: 'update',
      account: 'Prod',
      before: {},
      after: want,
      fields: [{ field: 'console password', before: null, after: true, note: 'x' }],
      payload: iamAdminUser.payload.parse({ op: 'update', user: 'IAMADMIN', tags: {}, loginProfile: { passwordLength: 32 }, detachPolicies: [], deleteInlinePolicies: [] }),
    });
    expect(sb.state.accounts[sb.managementAccountId]!.iam.users.IAMADMIN!.loginProfile!.passwordSha256).toBe(before);
    expect(steps).toContain('IAMADMIN already has a console password; lz does not replace it');
    expect(existsSync(join(workdir, 'secrets', accountFolder('Prod'), 'IAMADMIN.txt'))).toBe(false);
    expect(readdirSync(join(workdir, 'secrets', accountFolder('Prod')))).toEqual([]);
  });
});
