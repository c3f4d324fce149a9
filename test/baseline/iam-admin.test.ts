import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateLoginProfileCommand,
  CreatePolicyVersionCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeletePolicyVersionCommand,
  DetachGroupPolicyCommand,
  EnableMFADeviceCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListPolicyVersionsCommand,
  RemoveUserFromGroupCommand,
  SetDefaultPolicyVersionCommand,
  UploadSSHPublicKeyCommand,
  UploadSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_REPORT_MAX_AGE_MS } from '../../src/sandbox/services/iam/index.js';
import { mfaPolicyDocument } from '../../src/resources/mfa-policy.js';
import { accountFolder } from '../../src/secrets.js';
import { accountIds } from '../helpers/organization.js';
import { sandboxClock, startWorld, type TestWorld } from '../helpers/sandbox.js';

const ACCOUNTS = ['General', 'Development', 'Production'] as const;
type AccountName = (typeof ACCOUNTS)[number];
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const otherDoc = (n: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: `s3:Get${n}`, Resource: '*' }] });

const manifest = (o: { prod?: string; dev?: string } = {}) => `
organization:
  management: General
defaults:
  iamAdmin: { requireMfa: true }
  passwordPolicy: { minimumLength: 24 }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com${o.dev ?? ''} }
  - { name: Production, email: aws+production@example.com${o.prod ?? ''} }
`;

describe('account baseline: the IAM admin group, user, MFA policy and console MFA', () => {
  let w: TestWorld;
  let ids: Record<AccountName, string>;
  const clients: Partial<Record<AccountName, IAMClient>> = {};
  /** IAM inside an account as AWS holds it: the management account with its own keys, others through the role. */
  const iamIn = async (name: AccountName): Promise<IAMClient> => {
    if (!clients[name]) {
      clients[name] =
        name === 'General'
          ? new IAMClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, maxAttempts: 1, ...sandboxClock(w.sandbox) })
          : await w.memberIam(ids[name]);
    }
    return clients[name];
  };
  const policyArn = (name: AccountName) => `arn:aws:iam::${ids[name]}:policy/lz-require-mfa`;
  const secretPath = (name: AccountName) => join(w.dir, '.lz', 'secrets', accountFolder(name), 'IAMADMIN.txt');
  const passwordIn = (name: AccountName) => /Initial password: (\S+)/.exec(readFileSync(secretPath(name), 'utf8'))![1]!;
  const versions = async (name: AccountName) => (await (await iamIn(name)).send(new ListPolicyVersionsCommand({ PolicyArn: policyArn(name), MaxItems: 100 }))).Versions!;
  const outputs: string[] = [];

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 100, rolePropagation: 100 } });
  });
  afterAll(async () => {
    for (const c of Object.values(clients)) c.destroy();
    await w.close();
  });

  it('plans every item as a create in accounts that do not exist yet, showing no password, and writes nothing', async () => {
    w.writeManifest(manifest());
    w.sandbox.clearRequests();
    const { code, out } = await w.lz('plan', '--detailed-exitcode');
    expect(code).toBe(2);
    for (const a of ACCOUNTS) {
      expect(out).toContain(`+ ${a}.iam-admin-group`);
      expect(out).toContain(`+ ${a}.mfa-policy`);
      expect(out).toContain(`+ ${a}.iam-admin-user`);
      expect(out).toContain(`console password = "(generated at apply, written to .lz/secrets/${accountFolder(a)}/IAMADMIN.txt)"`);
    }
    // One line for the kind of step; the checklist has each step and what to click.
    expect(out).toMatch(/! IAM user can sign in to the console without MFA \(3\): /);
    expect(w.sandbox.requests().filter((r) => !r.readOnly)).toEqual([]);
    // The management account exists: its plan came from one shared read of IAM, not one call per module.
    const management = w.sandbox.requests().filter((r) => r.service === 'iam' && r.callerAccount === w.sandbox.managementAccountId);
    expect(management.filter((r) => r.operation === 'GetAccountAuthorizationDetails')).toHaveLength(1);
    // No report yet: one read finds none; generation starts, then completes; one read of the new report.
    expect(management.filter((r) => r.operation === 'GetCredentialReport')).toHaveLength(2);
    expect(management.filter((r) => r.operation === 'GenerateCredentialReport')).toHaveLength(2);
    const checklist = (await w.lz('plan', '--manual')).out;
    for (const a of ACCOUNTS) expect(checklist).toContain(`${a}.console-mfa.IAMADMIN`);
    expect(checklist.replace(/\s+/g, ' ')).toContain('sign in as IAMADMIN, open Security credentials > Assign MFA device');
  });

  it('applies: group with its policies, user in it with a one-time console password, the MFA policy, in every account', async () => {
    const applied = await w.lz('apply', '--auto-approve');
    outputs.push(applied.out, applied.err);
    expect(applied.out + applied.err).toContain('Apply complete!');
    expect(applied.code).toBe(0);
    ids = await accountIds(w.organizations) as Record<AccountName, string>;

    for (const a of ACCOUNTS) {
      const iam = await iamIn(a);
      const group = await iam.send(new GetGroupCommand({ GroupName: 'Administrators' }));
      expect(group.Users!.map((u) => u.UserName)).toEqual(['IAMADMIN']);
      const attached = (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Administrators' }))).AttachedPolicies!.map((p) => p.PolicyArn).sort();
      expect(attached).toEqual([ADMIN, policyArn(a)].sort());
      const profile = await iam.send(new GetLoginProfileCommand({ UserName: 'IAMADMIN' }));
      expect(profile.LoginProfile!.PasswordResetRequired).toBe(true);
      expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'IAMADMIN' }))).AttachedPolicies).toEqual([]);
      expect((await iam.send(new ListAccessKeysCommand({ UserName: 'IAMADMIN' }))).AccessKeyMetadata).toEqual([]);
      const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: policyArn(a) }))).Policy!;
      const doc = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn(a), VersionId: policy.DefaultVersionId }))).PolicyVersion!.Document!;
      const parsed = JSON.parse(decodeURIComponent(doc)) as { Statement: { Effect: string; NotAction?: string[]; Condition?: unknown }[] };
      expect(parsed).toEqual(mfaPolicyDocument());
      const deny = parsed.Statement.find((s) => s.Effect === 'Deny')!;
      expect(deny.Condition).toEqual({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } });
      expect(deny.NotAction).toEqual(expect.arrayContaining(['iam:EnableMFADevice', 'iam:ChangePassword', 'iam:GetUser', 'sts:GetSessionToken']));
      expect((await versions(a)).length).toBe(1);
    }
  });

  it('shows the password once: in a 0600 file in 0700 directories, and it is the password IAM holds', async () => {
    for (const a of ACCOUNTS) {
      const file = secretPath(a);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(w.dir, '.lz', 'secrets', accountFolder(a))).mode & 0o777).toBe(0o700);
      expect(statSync(join(w.dir, '.lz', 'secrets')).mode & 0o777).toBe(0o700);
      expect(existsSync(`${file}.pending`)).toBe(false);
      const password = passwordIn(a);
      // max(the file's password policy minimum 24, 20), every character class.
      expect(password).toHaveLength(24);
      for (const cls of [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(password).toMatch(cls);
      // IAM keeps a hash of what CreateLoginProfile was sent; the file holds that very password.
      const held = w.sandbox.state.accounts[ids[a]]!.iam.users.IAMADMIN!.loginProfile!;
      expect(held.passwordSha256).toBe(createHash('sha256').update(password).digest('hex'));
      expect(readFileSync(file, 'utf8')).toContain(`https://${ids[a]}.signin.aws.amazon.com/console`);
    }
    expect(new Set(ACCOUNTS.map(passwordIn)).size).toBe(3);
    expect(outputs.join('\n')).toContain(`written to .lz/secrets/${accountFolder('Development')}/IAMADMIN.txt`);
  });

  it('converges, and never prints, plans or logs a password', async () => {
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.out).toContain('No changes.');
    expect(plan.code).toBe(0);
    // The user without MFA is still a manual step (the credential report is stale; lz asked IAM directly).
    expect(plan.out).toMatch(/! IAM user can sign in to the console without MFA \(3\): /);
    const json = await w.lz('plan', '--json');
    const saved = await w.lz('plan', '--out', 'plan.json');
    const debug = await w.lz('plan', '--log-level', 'debug');
    outputs.push(plan.out, plan.err, json.out, json.err, saved.out, saved.err, debug.out, debug.err, readFileSync(join(w.dir, 'plan.json'), 'utf8'));
    const all = outputs.join('\n');
    for (const a of ACCOUNTS) expect(all).not.toContain(passwordIn(a));

    // A re-run changes nothing: no second login profile, no new policy version.
    w.sandbox.clearRequests();
    const again = await w.lz('apply', '--auto-approve');
    expect(again.code).toBe(0);
    expect(w.sandbox.requests().filter((r) => ['CreateLoginProfile', 'CreatePolicyVersion', 'CreatePolicy', 'CreateUser', 'CreateGroup'].includes(r.operation))).toEqual([]);
    for (const a of ACCOUNTS) expect((await versions(a)).length).toBe(1);
  });

  it('reads each account\'s IAM with a handful of calls', async () => {
    w.sandbox.clearRequests();
    await w.lz('plan');
    for (const a of ACCOUNTS) {
      const ours = w.sandbox.requests().filter((r) => r.service === 'iam' && r.callerAccount === ids[a]);
      const ops = ours.map((r) => r.operation).filter((op) => ['GetAccountAuthorizationDetails', 'GenerateCredentialReport', 'GetCredentialReport', 'GetLoginProfile', 'ListMFADevices'].includes(op));
      // One GAAD and one read of the report made by an earlier run (AWS keeps it four hours); while the admin
      // user has no MFA device, one ListMFADevices. General's report was made by the first plan, before the
      // user existed: there the login profile is asked for directly. The new accounts' reports are newer.
      const stale = a === 'General' ? ['GetLoginProfile'] : [];
      expect(ops.sort()).toEqual(['GetAccountAuthorizationDetails', 'GetCredentialReport', ...stale, 'ListMFADevices']);
    }
    // The whole baseline, every service, inside a member account: at most 15 calls (the scale target).
    for (const a of ['Development', 'Production'] as const) {
      const calls = w.sandbox.requests().filter((r) => r.callerAccount === ids[a]);
      expect(calls.length, calls.map((r) => r.operation).join(' ')).toBeLessThanOrEqual(15);
    }
  });

  it('brings drift back: MFA policy detached and changed, user out of its group, a policy on the user', async () => {
    const dev = await iamIn('Development');
    const prod = await iamIn('Production');
    await dev.send(new DetachGroupPolicyCommand({ GroupName: 'Administrators', PolicyArn: policyArn('Development') }));
    await dev.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn('Development'), PolicyDocument: otherDoc(1), SetAsDefault: true }));
    await prod.send(new RemoveUserFromGroupCommand({ GroupName: 'Administrators', UserName: 'IAMADMIN' }));
    await prod.send(new AttachUserPolicyCommand({ UserName: 'IAMADMIN', PolicyArn: READ_ONLY }));

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.out).toContain('~ Development.mfa-policy');
    // The edited document reads as a diff of its lines: the out-of-band statement removed, lz's own added.
    expect(plan.out).toContain('~ document:');
    expect(plan.out).toMatch(/^ +- +"Action": "s3:Get1",?$/m);
    expect(plan.out).toContain('+ attached to = "Administrators"');
    expect(plan.out).toContain('~ Production.iam-admin-user');
    expect(plan.out).toContain('+ group = "Administrators"');
    expect(plan.out).toContain(`? policy ${READ_ONLY} attached directly to user IAMADMIN in Production (CIS 1.15`);
    expect(plan.out).not.toContain('General.iam-');
    expect(plan.out).toContain('Plan: 0 to add, 2 to change, 0 to destroy.');

    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const attached = (await dev.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Administrators' }))).AttachedPolicies!.map((p) => p.PolicyArn);
    expect(attached).toContain(policyArn('Development'));
    // lz's own document was still there as v1: it became the default again, no third version.
    const vs = await versions('Development');
    expect(vs.map((v) => [v.VersionId, v.IsDefaultVersion]).sort()).toEqual([['v1', true], ['v2', false]]);
    expect((await prod.send(new GetGroupCommand({ GroupName: 'Administrators' }))).Users!.map((u) => u.UserName)).toEqual(['IAMADMIN']);
    // Without --prune the directly attached policy is reported, not touched.
    expect((await prod.send(new ListAttachedUserPoliciesCommand({ UserName: 'IAMADMIN' }))).AttachedPolicies!.map((p) => p.PolicyArn)).toEqual([READ_ONLY]);
    const after = await w.lz('plan', '--detailed-exitcode');
    expect(after.code).toBe(0);

    const pruning = await w.lz('plan', '--prune');
    expect(pruning.out).toContain(`~ policies: ["${READ_ONLY}"] -> []`);
    expect((await w.lz('apply', '--auto-approve', '--prune')).code).toBe(0);
    expect((await prod.send(new ListAttachedUserPoliciesCommand({ UserName: 'IAMADMIN' }))).AttachedPolicies).toEqual([]);
    expect((await w.lz('plan', '--detailed-exitcode', '--prune')).code).toBe(0);
  });

  it('keeps at most five policy versions: deletes the oldest non-default one before adding its own', async () => {
    const dev = await iamIn('Development');
    const arn = policyArn('Development');
    for (const n of [2, 3, 4]) await dev.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: otherDoc(n), SetAsDefault: true }));
    await dev.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    await dev.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: otherDoc(5) }));
    expect((await versions('Development')).map((v) => v.VersionId).sort()).toEqual(['v2', 'v3', 'v4', 'v5', 'v6']);

    w.sandbox.clearRequests();
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const vs = await versions('Development');
    expect(vs.map((v) => v.VersionId).sort()).toEqual(['v3', 'v4', 'v5', 'v6', 'v7']);
    expect(vs.find((v) => v.IsDefaultVersion)!.VersionId).toBe('v7');
    const doc = (await dev.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v7' }))).PolicyVersion!.Document!;
    expect(JSON.parse(decodeURIComponent(doc))).toEqual(mfaPolicyDocument());
    expect(w.sandbox.requests().filter((r) => r.operation === 'CreatePolicyVersion')).toHaveLength(1);

    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
    await w.lz('apply', '--auto-approve');
    expect(await versions('Development')).toHaveLength(5);
    // And a version made default by hand that equals lz's document is simply the default: nothing to do.
    await dev.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v7' }));
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('lists console users without MFA as manual steps, from the credential report', async () => {
    const dev = await iamIn('Development');
    const prod = await iamIn('Production');
    await dev.send(new CreateUserCommand({ UserName: 'alice' }));
    await dev.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Correct-Horse-Battery-9-Staple!x' }));
    await dev.send(new CreateUserCommand({ UserName: 'robot' }));
    const serial = (await prod.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'IAMADMIN' }))).VirtualMFADevice!.SerialNumber!;
    await prod.send(new EnableMFADeviceCommand({ UserName: 'IAMADMIN', SerialNumber: serial, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }));
    // AWS serves a credential report for four hours; after that a plan sees a new one.
    w.sandbox.advanceTime(CREDENTIAL_REPORT_MAX_AGE_MS + 60_000);
    // The test's own role sessions expired with that.
    for (const a of ['Development', 'Production'] as const) {
      clients[a]?.destroy();
      delete clients[a];
    }

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('! IAM user can sign in to the console without MFA (3): General, Development\n');
    const checklist = (await w.lz('plan', '--manual')).out;
    expect(checklist).toContain('[ ] Development.console-mfa.alice');
    expect(checklist.replace(/\s+/g, ' ')).toContain('IAM user alice in Development can sign in to the console without MFA.');
    expect(checklist).toContain('[ ] Development.console-mfa.IAMADMIN');
    expect(checklist).not.toContain('console-mfa.robot');
    expect(checklist).not.toContain('Production.console-mfa.IAMADMIN');
    // The other users are not lz's: nothing planned for them.
    expect(plan.out).not.toMatch(/[+~-] Development\.iam-admin-user/);
  });

  it('leaves switched-off items in AWS and reports them; --prune deletes what lz manages', async () => {
    w.writeManifest(manifest({ prod: ', iamAdmin: null', dev: ', iamAdmin: { requireMfa: false }' }));
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('? user IAMADMIN in Production (lz manages it; accounts.yaml no longer names it; --prune deletes it)');
    expect(plan.out).toContain('? group Administrators in Production (lz manages it');
    expect(plan.out).toContain('? policy lz-require-mfa in Production, attached to Administrators (lz manages it');
    expect(plan.out).toContain('? policy lz-require-mfa in Development, attached to Administrators (lz manages it');
    expect(plan.out).not.toContain('Production.console-mfa');

    const pruning = await w.lz('plan', '--prune');
    expect(pruning.out).toContain('- Production.iam-admin-user.IAMADMIN');
    expect(pruning.out).toContain('- Production.iam-admin-group.Administrators');
    expect(pruning.out).toContain('- Production.mfa-policy.lz-require-mfa');
    expect(pruning.out).toContain('- Development.mfa-policy.lz-require-mfa');
    expect(pruning.out).not.toContain('Development.iam-admin-user');
    expect(pruning.out).toContain('Plan: 0 to add, 0 to change, 4 to destroy.');

    // Credentials someone gave the user meanwhile: each keeps IAM's DeleteUser refusing until it is gone.
    const prod = await iamIn('Production');
    await prod.send(new UploadSigningCertificateCommand({ UserName: 'IAMADMIN', CertificateBody: '-----BEGIN CERTIFICATE-----\nMIIBsigning\n-----END CERTIFICATE-----' }));
    await prod.send(new UploadSSHPublicKeyCommand({ UserName: 'IAMADMIN', SSHPublicKeyBody: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 iamadmin@example' }));
    await prod.send(new CreateServiceSpecificCredentialCommand({ UserName: 'IAMADMIN', ServiceName: 'codecommit.amazonaws.com' }));

    const applied = await w.lz('apply', '--auto-approve', '--prune');
    expect(applied.code).toBe(0);
    const dev = await iamIn('Development');
    const gone = (p: Promise<unknown>) => p.then(() => 'exists', (e: Error) => e.name);
    expect(await gone(prod.send(new GetUserCommand({ UserName: 'IAMADMIN' })))).toBe('NoSuchEntityException');
    expect(await gone(prod.send(new GetGroupCommand({ GroupName: 'Administrators' })))).toBe('NoSuchEntityException');
    expect(await gone(prod.send(new GetPolicyCommand({ PolicyArn: policyArn('Production') })))).toBe('NoSuchEntityException');
    expect(await gone(dev.send(new GetPolicyCommand({ PolicyArn: policyArn('Development') })))).toBe('NoSuchEntityException');
    // Development keeps its admin user and group, with AdministratorAccess only.
    expect((await dev.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Administrators' }))).AttachedPolicies!.map((p) => p.PolicyArn)).toEqual([ADMIN]);
    expect((await w.lz('plan', '--detailed-exitcode', '--prune')).code).toBe(0);
  });
});
