import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIds } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';
import { all, inside, parseXml } from './helpers.js';

const MANIFEST = `# The organization under drift watch.
organization:
  management: General
  units: [Workloads/Prod, Teams]
defaults:
  passwordPolicy: { minimumLength: 14, reusePrevention: 24 }
  s3PublicAccessBlock: {}
  contacts:
    security: { name: Security Team, email: security@example.com, phone: "+1 555 0100", title: CISO }
accounts:
  - { name: General,     email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com, unit: Teams }
  - { name: Production,  email: aws+production@example.com,  unit: Workloads/Prod, budget: { amount: 1000, alerts: [ { at: 80 } ], notify: [finops@example.com] } }
`;

const HOURS = 3_600_000;
/** 3 accounts x 10 checks, and the budget check in Production (the one account whose file asks for a budget). */
const CHECK_COUNT = 31;

interface JsonReport {
  format: string;
  summary: { changes: number; findings: number; passed: number };
  plan: { changes: { address: string }[] };
  posture: { check: string; cis?: string; control?: string; account: string; status: string; resources: string[] }[];
}

describe('lz drift', () => {
  let w: TestWorld;
  let ids: Record<string, string>;
  const writes = () => w.sandbox.requests().filter((r) => !r.readOnly);
  const failing = (r: JsonReport) => r.posture.filter((p) => p.status === 'fail').map((p) => `${p.account} ${p.check} ${p.control ?? ''} ${p.cis ?? ''}`.trim());

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(MANIFEST);
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, applied.err + applied.out).toBe(0);
    ids = await accountIds(w.organizations);
    // A clean slate: root users with MFA (a person's steps). The sandbox's own admin user has its rights
    // through a group, as in a well-kept account, so it is no finding (CIS 1.15) of its own.
    for (const a of Object.values(w.sandbox.state.accounts)) a.root.mfaEnabled = true;
  }, 60_000);
  afterAll(async () => w.close());

  it('exits 0 on an organization that matches the file and passes every check, and writes nothing', async () => {
    w.sandbox.clearRequests();
    const r = await w.lz('drift');
    expect(r.err).toBe('');
    expect(r.out).toContain('No changes. Your organization matches accounts.yaml.');
    expect(r.out).toContain(`Posture: all ${CHECK_COUNT} checks pass.`);
    expect(r.code).toBe(0);
    expect(w.sandbox.requests().some((q) => q.operation === 'GetCredentialReport')).toBe(true);
    expect(writes()).toEqual([]);
  });

  it('finds root access keys and a weakened password policy, exits 2, and writes nothing', async () => {
    w.sandbox.state.accounts[ids.Production!]!.root.accessKeysPresent = true;
    const dev = await inside(w, ids.Development!);
    await dev.iam.send(
      new UpdateAccountPasswordPolicyCommand({
        MinimumPasswordLength: 8,
        RequireSymbols: true,
        RequireNumbers: true,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: true,
        AllowUsersToChangePassword: true,
        PasswordReusePrevention: 24,
      }),
    );
    dev.destroy();
    w.sandbox.clearRequests();
    const r = await w.lz('drift');
    expect(r.code).toBe(2);
    expect(r.out).toContain('~ Development.password-policy');
    expect(r.out).toContain('~ minimumLength: 8 -> 14');
    expect(r.out).toContain('x [CIS 1.4 / IAM.4] Production: the root user has access keys');
    expect(r.out).toContain('x [CIS 1.8 / IAM.15] Development: minimum length is 8 (needs 14 or more)');
    expect(r.out).not.toContain('IAM.16');
    expect(r.out).toContain('Drift: 1 change (drift); posture: 2 failing checks');
    expect(writes()).toEqual([]);

    const json = await w.lz('drift', '--format', 'json');
    expect(json.code).toBe(2);
    const report = JSON.parse(json.out) as JsonReport;
    expect(report.format).toBe('lz-drift');
    expect(report.plan.changes.map((c) => c.address)).toEqual(['Development.password-policy']);
    expect(failing(report)).toEqual(['Development password-length IAM.15 1.8', 'Production root-access-keys IAM.4 1.4']);
    expect(report.posture).toHaveLength(CHECK_COUNT);
  });

  it('writes a Markdown report to --output and appends it to GITHUB_STEP_SUMMARY', async () => {
    const summary = join(w.dir, 'step-summary.md');
    writeFileSync(summary, '# Earlier step\n');
    process.env.GITHUB_STEP_SUMMARY = summary;
    try {
      const r = await w.lz('drift', '--format', 'markdown', '--output', 'report.md');
      expect(r.code).toBe(2);
      expect(r.out).toContain('Drift: 1 change (drift); posture: 2 failing checks');
      expect(r.out).toContain('Wrote the markdown report to report.md.');
      const md = readFileSync(join(w.dir, 'report.md'), 'utf8');
      expect(md).toContain('## lz drift: ❌ drift and failing findings');
      // The changes as the plan comment shows them: a section per account, a diff inside.
      expect(md).toContain('<details><summary><b>Development</b>: 1 to change</summary>\n\n```diff\n! Development.password-policy\n!     minimumLength: 8 -> 14\n```');
      expect(md).toContain('| Production | 1.4 | IAM.4 | No root user access keys exist | the root user has access keys |');
      expect(md).toContain('| Development | 1.8 | IAM.15 |');
      expect(md).not.toContain('| General |');
      // Manual steps as in the text plan: the root keys step, not the billing steps lz can never verify.
      expect(md).toContain('<details><summary>Manual steps (1)</summary>');
      expect(md).toContain('- `Production.root-user.access-keys`: Account Production: the root user has access keys');
      expect(md).not.toContain('Development.billing-access');
      const appended = readFileSync(summary, 'utf8');
      expect(appended.startsWith('# Earlier step\n## lz drift')).toBe(true);
      expect(appended.slice('# Earlier step\n'.length)).toBe(md);
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
  });

  it('writes JUnit XML: a test case per account and check, the failing ones with a failure', async () => {
    const r = await w.lz('drift', '--format', 'junit');
    expect(r.code).toBe(2);
    const root = parseXml(r.out);
    expect(root.name).toBe('testsuites');
    const cases = all(root, 'testcase');
    expect(cases).toHaveLength(1 + 3 + CHECK_COUNT);
    const failed = cases.filter((c) => c.children.some((x) => x.name === 'failure'));
    expect(failed.map((c) => `${c.attrs.classname} ${c.attrs.name}`).sort()).toEqual([
      'lz.drift.Development Development matches accounts.yaml',
      'lz.posture.Development [CIS 1.8 / IAM.15] Password policy requires a minimum length of 14 or more',
      'lz.posture.Production [CIS 1.4 / IAM.4] No root user access keys exist',
    ]);
    expect(root.attrs.failures).toBe('3');
    expect(root.attrs.tests).toBe(String(cases.length));
    const suites = all(root, 'testsuite');
    expect(suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ['drift', '4', '1'],
      ['posture', String(CHECK_COUNT), '2'],
    ]);
    const driftFailure = failed[0]!.children[0]!;
    expect(driftFailure.attrs.message).toBe('1 change: Development.password-policy');
    expect(driftFailure.text).toContain('minimumLength: 8 → 14');
    // Every passing check is there too, e.g. the security contact in General.
    expect(cases.some((c) => c.attrs.classname === 'lz.posture.General' && c.attrs.name?.includes('CIS 1.2 / Account.1') && c.children.length === 0)).toBe(true);
  });

  it('--fail-on chooses what makes exit code 2', async () => {
    expect((await w.lz('drift', '--fail-on', 'none')).code).toBe(0);
    expect((await w.lz('drift', '--fail-on', 'drift')).code).toBe(2);
    // Apply puts the password policy back: what is left is the root keys finding, which apply cannot fix.
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect((await w.lz('drift', '--fail-on', 'drift')).code).toBe(0);
    expect((await w.lz('drift', '--fail-on', 'findings')).code).toBe(2);
    expect((await w.lz('drift')).code).toBe(2);
    w.sandbox.state.accounts[ids.Production!]!.root.accessKeysPresent = false;
    expect((await w.lz('drift')).code).toBe(0);
    const bad = await w.lz('drift', '--fail-on', 'sometimes');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--fail-on takes drift, findings, all or none');
    const format = await w.lz('drift', '--format', 'xml');
    expect(format.code).toBe(1);
    expect(format.err).toContain('--format must be one of text, json, markdown, junit');
  });

  it('exits 1 when an account cannot be read, still reporting the rest', async () => {
    const roles = w.sandbox.state.accounts[ids.Production!]!.iam.roles;
    const role = roles.OrganizationAccountAccessRole!;
    delete roles.OrganizationAccountAccessRole;
    try {
      const r = await w.lz('drift', '--format', 'junit');
      expect(r.code).toBe(1);
      const cases = all(parseXml(r.out), 'testcase');
      const prod = cases.find((c) => c.attrs.classname === 'lz.drift.Production')!;
      expect(prod.children[0]!.attrs.type).toBe('unreadable');
      // Nothing inside Production was checked; the other accounts were.
      expect(cases.some((c) => c.attrs.classname === 'lz.posture.Production')).toBe(false);
      expect(cases.filter((c) => c.attrs.classname === 'lz.posture.Development')).toHaveLength(10);
      const text = await w.lz('drift');
      expect(text.code).toBe(1);
      expect(text.out).toContain('1 account could not be read: the report is incomplete.');
    } finally {
      roles.OrganizationAccountAccessRole = role;
    }
  });

  it('finds IAM users with a console password and no MFA, two keys, an old key and policies of their own', async () => {
    const dev = await inside(w, ids.Development!);
    await dev.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await dev.iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Correct-Horse-9-Battery' }));
    const first = await dev.iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    await dev.iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    await dev.iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    // bob has no password, keys or policies: no finding names him.
    await dev.iam.send(new CreateUserCommand({ UserName: 'bob' }));
    dev.destroy();
    // alice's first key was made 120 days ago (AWS has no API to back-date a key; the sandbox state can).
    w.sandbox.state.accessKeys[first.AccessKey!.AccessKeyId!]!.createDate = new Date(Date.now() - 120 * 24 * HOURS).toISOString();
    w.sandbox.advanceTime(5 * HOURS);
    w.sandbox.clearRequests();
    const r = await w.lz('drift', '--format', 'json');
    expect(r.code).toBe(2);
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.summary.changes).toBe(0);
    expect(failing(report)).toEqual([
      'Development console-mfa IAM.5 1.10',
      'Development one-active-key  1.13',
      'Development key-rotation IAM.3 1.14',
      'Development user-policies IAM.2 1.15',
    ]);
    for (const p of report.posture.filter((x) => x.status === 'fail')) expect(p.resources).toEqual(['alice']);
    // One credential report and one authorization-details read per account: no second round of reads.
    const perAccount = (op: string) => w.sandbox.requests().filter((q) => q.operation === op && q.status === 200).map((q) => q.callerAccount);
    expect(perAccount('GetCredentialReport').sort()).toEqual(Object.values(ids).sort());
    expect(new Set(perAccount('GetAccountAuthorizationDetails')).size).toBe(3);
    expect(perAccount('GetAccountSummary').sort()).toEqual(Object.values(ids).sort());
    expect(writes()).toEqual([]);
  });
});
