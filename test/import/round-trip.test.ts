import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudTrailClient, CreateTrailCommand, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { AttachGroupPolicyCommand, DeleteLoginProfileCommand, EnableOrganizationsRootCredentialsManagementCommand, EnableOrganizationsRootSessionsCommand, IAMClient, UpdateAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import { EnableAWSServiceAccessCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/plan.js';
import { parseManifest } from '../../src/manifest/index.js';
import { defaultSections } from '../../src/resources/registry.js';
import { inside } from '../drift/helpers.js';
import { withItems } from '../helpers/items.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const REPO = join(import.meta.dirname, '..', '..');
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

/**
 * The demo organization (the repository's accounts.yaml, applied), edited out of band the ways the file can
 * say, imported, and planned with --prune: the imported file must claim everything lz made as it now is,
 * so that nothing is changed and nothing is deleted.
 */
describe('lz import round-trips what lz made', () => {
  let w: TestWorld;
  let ids: Record<string, string>;

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(readFileSync(join(REPO, 'accounts.yaml'), 'utf8'));
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, applied.err).toBe(0);
    ids = Object.fromEntries(Object.values(w.sandbox.state.accounts).map((a) => [a.name, a.id]));
    const mgmt = w.sandbox.state.managementAccountId;

    // Out of band, through the SDK: each a thing accounts.yaml can say.
    const dev = await inside(w, ids.Development!);
    await dev.iam.send(new AttachGroupPolicyCommand({ GroupName: 'Administrators', PolicyArn: READ_ONLY }));
    dev.destroy();
    const testing = await inside(w, ids.Testing!);
    await testing.iam.send(new DeleteLoginProfileCommand({ UserName: 'IAMADMIN' }));
    testing.destroy();
    const prod = await inside(w, ids.Production!);
    await prod.iam.send(
      new UpdateAccountPasswordPolicyCommand({
        MinimumPasswordLength: 20,
        RequireSymbols: true,
        RequireNumbers: true,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: true,
        AllowUsersToChangePassword: true,
        MaxPasswordAge: 60,
        PasswordReusePrevention: 24,
      }),
    );
    prod.destroy();
    // Centralized root access, turned on by hand in the management account.
    const config = { region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, maxAttempts: 1 };
    await w.organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
    const iam = new IAMClient(config);
    await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    await iam.send(new EnableOrganizationsRootSessionsCommand({}));
    iam.destroy();
    // A trail someone made by hand (no lz:managed tag): not lz's to claim.
    const ct = new CloudTrailClient(config);
    await ct.send(new CreateTrailCommand({ Name: 'hand-made', S3BucketName: `lz-log-archive-${mgmt}` }));
    ct.destroy();
  }, 120_000);
  afterAll(async () => w.close());

  it('writes back the admin set-up, the trail, the export and root access, and plan --prune on it changes nothing', async () => {
    const imported = await w.lz('import', '--out', 'imported.yaml');
    expect(imported.code, imported.err).toBe(0);
    const text = readFileSync(join(w.dir, 'imported.yaml'), 'utf8');
    const m = parseManifest(text, 'imported.yaml', defaultSections);
    const mgmt = w.sandbox.state.managementAccountId;
    expect(m.manifest.organization).toMatchObject({
      trail: { name: 'lz-organization-trail', bucket: `lz-log-archive-${mgmt}` },
      costExport: { name: 'lz-cost-export', bucket: `lz-log-archive-${mgmt}` },
      rootAccess: { centralized: true },
    });
    // The guardrails, as documents now (a preset is how the file said it; AWS holds the document), where attached.
    const scps = m.manifest.organization.serviceControlPolicies as { name: string; document: { Statement: unknown[] }; attach: { root: boolean } }[];
    expect(scps.map((p) => [p.name, p.attach.root])).toEqual([
      ['lz-deny-leaving-organization', true],
      ['lz-deny-root-user', true],
      ['lz-protect-lz', true],
      ['lz-allowed-regions', true],
    ]);
    expect(scps[0]!.document.Statement).toEqual([{ Sid: 'DenyLeavingOrganization', Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }]);
    const account = (name: string) => withItems(m.accounts.find((a) => a.name === name)!);
    expect(account('General').iamAdmin).toEqual({
      user: 'IAMADMIN',
      group: 'Administrators',
      policies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
      consoleAccess: true,
      requireMfa: true,
      mfaPolicyName: 'lz-require-mfa',
      passwordStore: 'local',
    });
    expect(account('Development').iamAdmin?.policies).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess', READ_ONLY]);
    expect(account('Testing').iamAdmin?.consoleAccess).toBe(false);
    expect(account('Production').passwordPolicy).toMatchObject({ minimumLength: 20, maxPasswordAge: 60 });
    // The hand-made trail is named for the person, not written as lz's; billing access is said once.
    expect(text).not.toContain('hand-made');
    expect(imported.err).toContain('warning: CloudTrail trail hand-made (bucket');
    expect(imported.err.match(/billingAccess \(IAM user and role access to billing\) is not in the file/g)).toHaveLength(1);
    expect(imported.err).not.toContain('cannot express');

    const planned = await w.lz('plan', '-f', 'imported.yaml', '--prune', '--json');
    expect(planned.code, planned.err).toBe(0);
    const plan = JSON.parse(planned.out) as Plan;
    expect(plan.changes.map((c) => `${c.action} ${c.address}`)).toEqual([]);
    expect(plan.changes.filter((c) => c.action === 'delete')).toEqual([]);
    // What is left is for a person (root MFA, the admins' MFA devices, billing access), as with the original file.
    const original = JSON.parse((await w.lz('plan', '--json')).out) as Plan;
    expect(plan.manual.map((c) => c.address).sort()).toEqual(original.manual.map((c) => c.address).sort());
    // Nothing lz made is left out of the file (it would be reported as unmanaged).
    expect(plan.unmanaged.map((u) => u.address)).toEqual([]);

    // And the hand-made trail is still there, untouched.
    const ct = new CloudTrailClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, maxAttempts: 1 });
    expect(((await ct.send(new DescribeTrailsCommand({}))).trailList ?? []).map((t) => t.Name).sort()).toEqual(['hand-made', 'lz-organization-trail']);
    ct.destroy();
  });

  it('says in words why trusted access it no longer needs is left on', async () => {
    const text = readFileSync(join(w.dir, 'imported.yaml'), 'utf8');
    const withoutTrail = text.replace(/^ {2}trail:\n( {4}.*\n)+/m, '');
    expect(withoutTrail).not.toMatch(/^ {2}trail:/m);
    writeFileSync(join(w.dir, 'no-trail.yaml'), withoutTrail);
    const plan = JSON.parse((await w.lz('plan', '-f', 'no-trail.yaml', '--json')).out) as Plan;
    expect(plan.unmanaged.map((u) => u.description)).toContain(
      'trusted access for cloudtrail.amazonaws.com is enabled; accounts.yaml asks for no organization trail (organization.trail) (lz never disables trusted access)',
    );
  });
});
