import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetGroupIdCommand, IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { CreateLoginProfileCommand, CreateUserCommand, DeleteLoginProfileCommand, DeleteUserCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/plan.js';
import { sandboxClock, startWorld, type TestWorld } from '../helpers/sandbox.js';

const REPO = join(import.meta.dirname, '..', '..');
const SHIPPED = readFileSync(join(REPO, 'accounts.yaml'), 'utf8');
const RESERVED_PATH = '/aws-reserved/sso.amazonaws.com/';

/**
 * The shipped accounts.yaml's Identity Center on the sandbox, asserted through the SDK: permission sets with
 * their policies, every assignment in every account of its unit with the reserved role there, an account moving
 * units taking its assignments along, a hand-made assignment in drift, and import round-tripping to 0 changes.
 */
describe('identity center: permission sets and assignments', () => {
  let w: TestWorld;
  let ids: Record<string, string>;
  let sso: SSOAdminClient;
  let store: IdentitystoreClient;
  let instanceArn: string;
  let storeId: string;

  const clients = () => {
    const config = { region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, maxAttempts: 1, ...sandboxClock(w.sandbox) };
    return { sso: new SSOAdminClient(config), store: new IdentitystoreClient(config), iam: new IAMClient(config) };
  };
  const setArns = async () => {
    const arns = (await sso.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn }))).PermissionSets ?? [];
    const named = await Promise.all(arns.map(async (arn) => [(await sso.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }))).PermissionSet!.Name!, arn] as const));
    return Object.fromEntries(named);
  };
  const groupId = async (name: string) =>
    (await store.send(new GetGroupIdCommand({ IdentityStoreId: storeId, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'displayName', AttributeValue: name } } }))).GroupId!;
  const assigned = async (set: string, account: string) => {
    const arn = (await setArns())[set]!;
    const out = await sso.send(new ListAccountAssignmentsCommand({ InstanceArn: instanceArn, PermissionSetArn: arn, AccountId: ids[account]! }));
    return (out.AccountAssignments ?? []).map((a) => `${a.PrincipalType}:${a.PrincipalId}`);
  };
  const reservedRoles = async (account: string) => {
    const iam = account === 'General' ? clients().iam : await w.memberIam(ids[account]!);
    const roles = (await iam.send(new ListRolesCommand({ PathPrefix: RESERVED_PATH }))).Roles ?? [];
    return Object.fromEntries(await Promise.all(roles.map(async (r) => [r.RoleName!, ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: r.RoleName! }))).AttachedPolicies ?? []).map((p) => p.PolicyArn)] as const)));
  };

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' }, delays: { createAccount: 100, rolePropagation: 100, identityCenter: 50 } });
    w.writeManifest(SHIPPED);
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, `${applied.out}\n${applied.err}`).toBe(0);
    ids = Object.fromEntries(Object.values(w.sandbox.state.accounts).map((a) => [a.name, a.id]));
    ({ sso, store } = clients());
    const instance = (await sso.send(new ListInstancesCommand({}))).Instances![0]!;
    instanceArn = instance.InstanceArn!;
    storeId = instance.IdentityStoreId!;
  }, 120_000);

  afterAll(async () => {
    sso?.destroy();
    store?.destroy();
    await w?.close();
  });

  it('creates the permission sets with their managed policies', async () => {
    const arns = await setArns();
    expect(Object.keys(arns).sort()).toEqual(['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess']);
    for (const [name, arn] of Object.entries(arns)) {
      const policies = (await sso.send(new ListManagedPoliciesInPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }))).AttachedManagedPolicies ?? [];
      expect(policies.map((p) => p.Arn)).toEqual([`arn:aws:iam::aws:policy/${name}`]);
    }
    const admin = (await sso.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arns.AdministratorAccess }))).PermissionSet!;
    expect(admin.SessionDuration).toBe('PT4H');
  });

  it('assigns each group in every account of its unit, where the reserved role then exists', async () => {
    const admins = `GROUP:${await groupId('Administrators')}`;
    const developers = `GROUP:${await groupId('Developers')}`;
    for (const account of ['General', 'Development', 'Testing', 'Production']) expect(await assigned('AdministratorAccess', account)).toEqual([admins]);
    expect(await assigned('PowerUserAccess', 'Development')).toEqual([developers]);
    expect(await assigned('PowerUserAccess', 'Testing')).toEqual([developers]);
    expect(await assigned('PowerUserAccess', 'Production')).toEqual([]);
    expect(await assigned('ReadOnlyAccess', 'Production')).toEqual([developers]);
    expect(await assigned('ReadOnlyAccess', 'Development')).toEqual([]);

    const production = await reservedRoles('Production');
    const names = Object.keys(production).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}$/);
    expect(names[1]).toMatch(/^AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}$/);
    expect(production[names[1]!]).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(Object.keys(await reservedRoles('Development')).sort().map((n) => n.replace(/_[0-9a-f]{16}$/, ''))).toEqual(['AWSReservedSSO_AdministratorAccess', 'AWSReservedSSO_PowerUserAccess']);
    expect(Object.keys(await reservedRoles('General')).map((n) => n.replace(/_[0-9a-f]{16}$/, ''))).toEqual(['AWSReservedSSO_AdministratorAccess']);

    const again = await w.lz('plan', '--detailed-exitcode');
    expect(again.code, again.out).toBe(0);
  });

  it('moves an account\'s assignments when the file moves it to another unit', async () => {
    const moved = SHIPPED.replace('unit: Workloads/NonProd, alias: example-testing', 'unit: Workloads/Prod, alias: example-testing');
    expect(moved).not.toBe(SHIPPED);
    w.writeManifest(moved);
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, `${applied.out}\n${applied.err}`).toBe(0);
    const developers = `GROUP:${await groupId('Developers')}`;
    expect(await assigned('PowerUserAccess', 'Testing')).toEqual([]);
    expect(await assigned('ReadOnlyAccess', 'Testing')).toEqual([developers]);
    expect(Object.keys(await reservedRoles('Testing')).sort().map((n) => n.replace(/_[0-9a-f]{16}$/, ''))).toEqual(['AWSReservedSSO_AdministratorAccess', 'AWSReservedSSO_ReadOnlyAccess']);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
    // The live unit moved too: back to the shipped file.
    w.writeManifest(SHIPPED);
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(await assigned('PowerUserAccess', 'Testing')).toEqual([developers]);
  });

  it('a plan targeted at one account (--target, lz onboard) plans Identity Center in that account only, and prunes nothing elsewhere', async () => {
    const targeted = JSON.parse((await w.lz('plan', '--json', '--target', 'Testing', '--prune')).out) as Plan;
    expect(targeted.changes.filter((c) => c.kind === 'identity-center')).toEqual([]);
  });

  it('shows an assignment made by hand in drift, and removes it only with --prune', async () => {
    const auditors = await groupId('Auditors');
    const arn = (await setArns()).ReadOnlyAccess!;
    await sso.send(new CreateAccountAssignmentCommand({ InstanceArn: instanceArn, PermissionSetArn: arn, PrincipalType: 'GROUP', PrincipalId: auditors, TargetType: 'AWS_ACCOUNT', TargetId: ids.Development! }));
    w.sandbox.advanceTime(1000);
    const drift = await w.lz('drift');
    expect(drift.out).toContain('group:Auditors has permission set ReadOnlyAccess in Development, which accounts.yaml does not say');
    const plan = JSON.parse((await w.lz('plan', '--json')).out) as Plan;
    expect(plan.changes).toEqual([]);
    expect(plan.unmanaged.find((u) => u.address === 'assignment:ReadOnlyAccess@group:Auditors@Development')?.prunable).toBe(true);
    const pruned = JSON.parse((await w.lz('plan', '--json', '--prune')).out) as Plan;
    expect(pruned.changes.map((c) => `${c.action} ${c.address}`)).toEqual(['delete assignment:ReadOnlyAccess@group:Auditors@Development']);
  });

  it('drift finds an IAM user with a console password beside Identity Center, the break-glass administrator excepted', async () => {
    type Report = { posture: { check: string; account: string; status: string; resources: string[] }[] };
    const finding = (r: Report, account: string) => r.posture.find((p) => p.check === 'identity-center-console-users' && p.account === account);
    const before = JSON.parse((await w.lz('drift', '--json')).out) as Report;
    expect(finding(before, 'Development')?.status).toBe('pass');
    const iam = await w.memberIam(ids.Development!);
    await iam.send(new CreateUserCommand({ UserName: 'dave' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'dave', Password: 'Correct-Horse-Battery-9' }));
    w.sandbox.advanceTime(5 * 60 * 60 * 1000);
    const after = JSON.parse((await w.lz('drift', '--json')).out) as Report;
    expect(finding(after, 'Development')).toMatchObject({ status: 'fail', resources: ['dave'] });
    expect(finding(after, 'Testing')?.status).toBe('pass');
    const iamNow = await w.memberIam(ids.Development!);
    await iamNow.send(new DeleteLoginProfileCommand({ UserName: 'dave' }));
    await iamNow.send(new DeleteUserCommand({ UserName: 'dave' }));
  });

  it('imports the permission sets and assignments back, units where they cover one, and plan --prune has 0 changes', async () => {
    // Clients made now: the sandbox's clock moved hours on in the posture test.
    sso.destroy();
    store.destroy();
    ({ sso, store } = clients());
    await sso.send(new CreatePermissionSetCommand({ InstanceArn: instanceArn, Name: 'HandMade' }));
    const r = await w.lz('import', '--out', 'accounts.yaml', '--force');
    expect(r.code, r.err).toBe(0);
    expect(`${r.out}${r.err}`).toContain('permission sets not made by lz were left out: HandMade');
    const written = readFileSync(join(w.dir, 'accounts.yaml'), 'utf8');
    expect(written).toMatch(/identityCenter:/);
    expect(written).toMatch(/permissionSet: AdministratorAccess\n\s+all: true/);
    expect(written).toMatch(/permissionSet: PowerUserAccess\n\s+units:\n\s+- Workloads\/NonProd/);
    expect(written).toMatch(/group: Auditors\n\s+permissionSet: ReadOnlyAccess\n\s+accounts:\n\s+- Development/);
    const plan = await w.lz('plan', '--prune', '--detailed-exitcode');
    expect(plan.code, `${plan.out}\n${plan.err}`).toBe(0);
    expect(plan.out).toContain('No changes.');
    expect(plan.out).toContain('permission set HandMade: not made by lz, never changed or deleted by it');
  });

  it('refuses a group the identity store does not have, at its line', async () => {
    w.writeManifest(SHIPPED.replace('{ group: Developers,     permissionSet: ReadOnlyAccess', '{ group: Contractors,    permissionSet: ReadOnlyAccess'));
    const plan = await w.lz('plan');
    expect(plan.code).not.toBe(0);
    const line = SHIPPED.split('\n').findIndex((l) => l.includes('permissionSet: ReadOnlyAccess,')) + 1;
    expect(plan.err).toContain(`accounts.yaml:${line}`);
    expect(plan.err).toContain('group "Contractors" is not in IAM Identity Center\'s identity store');
  });

  it('creates a group the file marks create: true, then assigns it', async () => {
    const withGroup = SHIPPED.replace(
      '    assignments:\n',
      '    groups:\n      - { name: Platform, description: Platform engineers, create: true }\n    assignments:\n      - { group: Platform, permissionSet: ReadOnlyAccess, accounts: [General] }\n',
    );
    expect(withGroup).not.toBe(SHIPPED);
    w.writeManifest(withGroup);
    const plan = JSON.parse((await w.lz('plan', '--json')).out) as Plan;
    expect(plan.changes.map((c) => `${c.action} ${c.address}`)).toEqual(expect.arrayContaining(['create identity-group:Platform', 'create assignment:ReadOnlyAccess@group:Platform@General']));
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, `${applied.out}\n${applied.err}`).toBe(0);
    expect(await assigned('ReadOnlyAccess', 'General')).toEqual([`GROUP:${await groupId('Platform')}`]);
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('updates a permission set in place and provisions it again to every account that has it', async () => {
    const inline = '{ Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "s3:DeleteBucket", Resource: "*" }] }';
    const changed = SHIPPED.replace(
      '{ name: ReadOnlyAccess,      sessionDuration: PT8H, managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }',
      `{ name: ReadOnlyAccess, sessionDuration: PT2H, managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess], inlinePolicy: ${inline} }`,
    );
    expect(changed).not.toBe(SHIPPED);
    w.writeManifest(changed);
    const plan = JSON.parse((await w.lz('plan', '--json')).out) as Plan;
    const update = plan.changes.find((c) => c.address === 'permission-set:ReadOnlyAccess');
    expect(update?.action).toBe('update');
    expect(update?.fields?.map((f) => f.field)).toEqual(['sessionDuration', 'inlinePolicy']);
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, `${applied.out}\n${applied.err}`).toBe(0);
    const arn = (await setArns()).ReadOnlyAccess!;
    expect((await sso.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }))).PermissionSet?.SessionDuration).toBe('PT2H');
    const iam = await w.memberIam(ids.Production!);
    const role = Object.keys(await reservedRoles('Production')).find((n) => n.startsWith('AWSReservedSSO_ReadOnlyAccess_'))!;
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: 'AwsSSOInlinePolicy' }));
    expect(JSON.parse(decodeURIComponent(policy.PolicyDocument!))).toMatchObject({ Statement: [{ Effect: 'Deny', Action: 's3:DeleteBucket' }] });
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });
});
