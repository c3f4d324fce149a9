import {
  AWSOrganizationsNotInUseException,
  AccessDeniedException,
  AttachPolicyCommand,
  ConcurrentModificationException,
  ConstraintViolationException,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  DuplicatePolicyAttachmentException,
  DuplicatePolicyException,
  EnablePolicyTypeCommand,
  InvalidInputException,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  MalformedPolicyDocumentException,
  OrganizationsClient,
  PolicyInUseException,
  PolicyNotAttachedException,
  PolicyNotFoundException,
  PolicyTypeAlreadyEnabledException,
  PolicyTypeNotAvailableForOrganizationException,
  PolicyTypeNotEnabledException,
  RootNotFoundException,
  TagResourceCommand,
  TargetNotFoundException,
  UntagResourceCommand,
  UpdatePolicyCommand,
  paginateListPolicies,
  paginateListPoliciesForTarget,
  paginateListTargetsForPolicy,
  type PolicySummary,
  type PolicyType,
  type PolicyTargetSummary,
} from '@aws-sdk/client-organizations';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_USER_NAME, NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { createAccessKey } from '../../src/sandbox/services/iam/index.js';
import { assume, clientConfig, failure, type Creds } from './clients.js';

const DELAY = 200;
const sandboxes: SandboxHandle[] = [];

afterEach(async () => {
  while (sandboxes.length > 0) await sandboxes.pop()!.close();
});

const orgClient = (sb: SandboxHandle, credentials?: Creds) => new OrganizationsClient(clientConfig(sb, credentials));

async function withOrganization(featureSet: 'ALL' | 'CONSOLIDATED_BILLING' = 'ALL') {
  const sb = await startSandbox({ port: 0, delays: { createAccount: DELAY, rolePropagation: DELAY, ...NO_SETTLING }, accountLimit: 50 });
  sandboxes.push(sb);
  const org = orgClient(sb);
  const organization = (await org.send(new CreateOrganizationCommand({ FeatureSet: featureSet }))).Organization!;
  const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  return { sb, org, organization, rootId, mgmt: sb.managementAccountId };
}

async function createAccount(sb: SandboxHandle, org: OrganizationsClient, name: string): Promise<string> {
  const started = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name.toLowerCase()}@example.com` }));
  sb.advanceTime(DELAY);
  const status = await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id! }));
  return status.CreateAccountStatus!.AccountId!;
}

const SCP = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }] });
const RCP = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }] });
const TAG = JSON.stringify({ tags: { costcenter: { tag_key: { '@@assign': 'CostCenter' } } } });

async function createPolicy(org: OrganizationsClient, name: string, Type: PolicyType = 'SERVICE_CONTROL_POLICY', Content = SCP) {
  return (await org.send(new CreatePolicyCommand({ Name: name, Description: `${name} policy`, Type, Content }))).Policy!.PolicySummary!;
}

async function policiesFor(org: OrganizationsClient, TargetId: string, Filter: PolicyType = 'SERVICE_CONTROL_POLICY'): Promise<string[]> {
  const ids: string[] = [];
  for await (const p of paginateListPoliciesForTarget({ client: org }, { TargetId, Filter })) ids.push(...p.Policies!.map((x) => x.Id!));
  return ids;
}

async function targetsOf(org: OrganizationsClient, PolicyId: string): Promise<PolicyTargetSummary[]> {
  const targets: PolicyTargetSummary[] = [];
  for await (const p of paginateListTargetsForPolicy({ client: org }, { PolicyId })) targets.push(...p.Targets!);
  return targets;
}

/** An error's SDK class, HTTP status, message and (for InvalidInput/ConstraintViolation) Reason. */
async function refusal(call: () => Promise<unknown>) {
  const e = (await failure(call)) as Error & { $metadata: { httpStatusCode?: number }; Reason?: string };
  return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message, reason: e.Reason, error: e };
}

describe('a new organization', () => {
  it('has SCPs enabled on its root with FullAWSAccess attached to the root and the management account', async () => {
    const { org, rootId, mgmt } = await withOrganization();
    const root = (await org.send(new ListRootsCommand({}))).Roots![0]!;
    expect(root.PolicyTypes).toEqual([{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
    const full = (await org.send(new DescribePolicyCommand({ PolicyId: 'p-FullAWSAccess' }))).Policy!;
    expect(full.PolicySummary).toEqual({
      Id: 'p-FullAWSAccess',
      Arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
      Name: 'FullAWSAccess',
      Description: 'Allows access to every operation',
      Type: 'SERVICE_CONTROL_POLICY',
      AwsManaged: true,
    });
    expect(JSON.parse(full.Content!)).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    expect(await policiesFor(org, rootId)).toEqual(['p-FullAWSAccess']);
    expect(await policiesFor(org, mgmt)).toEqual(['p-FullAWSAccess']);
    expect((await targetsOf(org, 'p-FullAWSAccess')).map((t) => t.Type)).toEqual(['ROOT', 'ACCOUNT']);
    const described = (await org.send(new DescribeOrganizationCommand({}))).Organization!;
    expect(described.AvailablePolicyTypes).toEqual([{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
  });

  it('with consolidated billing only has no policy types and refuses them', async () => {
    const { org, rootId } = await withOrganization('CONSOLIDATED_BILLING');
    expect((await org.send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes).toEqual([]);
    for (const call of [
      () => org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' })),
      () => createPolicy(org, 'nope'),
    ]) {
      const r = await refusal(call);
      expect(r.error).toBeInstanceOf(PolicyTypeNotAvailableForOrganizationException);
      expect(r.status).toBe(409);
    }
    expect((await org.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies).toEqual([]);
  });
});

describe('policies', () => {
  it('are created, described, updated, tagged and deleted, read back each time', async () => {
    const { org, organization, mgmt } = await withOrganization();
    const created = (
      await org.send(
        new CreatePolicyCommand({ Name: 'deny-leaving', Description: 'no leaving', Type: 'SERVICE_CONTROL_POLICY', Content: SCP, Tags: [{ Key: 'owner', Value: 'lz' }] }),
      )
    ).Policy!;
    const id = created.PolicySummary!.Id!;
    expect(id).toMatch(/^p-[0-9a-z]{8}$/);
    expect(created).toEqual({
      PolicySummary: {
        Id: id,
        Arn: `arn:aws:organizations::${mgmt}:policy/${organization.Id}/service_control_policy/${id}`,
        Name: 'deny-leaving',
        Description: 'no leaving',
        Type: 'SERVICE_CONTROL_POLICY',
        AwsManaged: false,
      },
      Content: SCP,
    });
    expect((await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy).toEqual(created);
    expect((await org.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags).toEqual([{ Key: 'owner', Value: 'lz' }]);

    // Content is kept as sent, whitespace included.
    const pretty = JSON.stringify(JSON.parse(SCP), null, 2);
    await org.send(new UpdatePolicyCommand({ PolicyId: id, Name: 'deny-leaving-2', Description: '', Content: pretty }));
    const updated = (await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy!;
    expect(updated.PolicySummary).toMatchObject({ Name: 'deny-leaving-2', Description: '' });
    expect(updated.Content).toBe(pretty);
    // Members left out of UpdatePolicy stay.
    await org.send(new UpdatePolicyCommand({ PolicyId: id, Description: 'again' }));
    expect((await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy!.PolicySummary).toMatchObject({ Name: 'deny-leaving-2', Description: 'again' });

    await org.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'owner', Value: 'security' }, { Key: 'tier', Value: '1' }] }));
    await org.send(new UntagResourceCommand({ ResourceId: id, TagKeys: ['tier'] }));
    expect((await org.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags).toEqual([{ Key: 'owner', Value: 'security' }]);

    const tag = await createPolicy(org, 'cost-center', 'TAG_POLICY', TAG);
    expect(tag.Arn).toBe(`arn:aws:organizations::${mgmt}:policy/${organization.Id}/tag_policy/${tag.Id}`);
    expect((await org.send(new ListPoliciesCommand({ Filter: 'TAG_POLICY' }))).Policies!.map((p) => p.Id)).toEqual([tag.Id]);
    expect((await org.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies!.map((p) => p.Id)).toEqual(['p-FullAWSAccess', id]);

    await org.send(new DeletePolicyCommand({ PolicyId: id }));
    expect(await failure(() => org.send(new DescribePolicyCommand({ PolicyId: id })))).toBeInstanceOf(PolicyNotFoundException);
    expect((await org.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies!.map((p) => p.Id)).toEqual(['p-FullAWSAccess']);
  });

  it('of every type can be created once the organization has all features', async () => {
    const { org } = await withOrganization();
    const contents: Record<string, string> = {
      SERVICE_CONTROL_POLICY: SCP,
      RESOURCE_CONTROL_POLICY: RCP,
      TAG_POLICY: TAG,
      BACKUP_POLICY: JSON.stringify({ plans: {} }),
      AISERVICES_OPT_OUT_POLICY: JSON.stringify({ services: { default: { opt_out_policy: { '@@assign': 'optOut' } } } }),
      CHATBOT_POLICY: JSON.stringify({ chatbot: {} }),
      DECLARATIVE_POLICY_EC2: JSON.stringify({ ec2_attributes: {} }),
    };
    for (const [type, content] of Object.entries(contents)) {
      const p = await createPolicy(org, `one-${type}`, type as PolicyType, content);
      expect(p.Type).toBe(type);
      expect(p.Arn).toContain(`/${type.toLowerCase()}/`);
    }
  });

  it('are attached to and detached from the root, OUs and accounts', async () => {
    const { sb, org, rootId, mgmt } = await withOrganization();
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }))).OrganizationalUnit!;
    const accountId = await createAccount(sb, org, 'Production');
    const p = await createPolicy(org, 'deny-leaving');
    for (const TargetId of [rootId, ou.Id!, accountId]) await org.send(new AttachPolicyCommand({ PolicyId: p.Id!, TargetId }));

    expect(await targetsOf(org, p.Id!)).toEqual([
      { TargetId: rootId, Arn: `arn:aws:organizations::${mgmt}:root/${(await org.send(new DescribeOrganizationCommand({}))).Organization!.Id}/${rootId}`, Name: 'Root', Type: 'ROOT' },
      { TargetId: ou.Id, Arn: ou.Arn, Name: 'Workloads', Type: 'ORGANIZATIONAL_UNIT' },
      { TargetId: accountId, Arn: expect.stringMatching(new RegExp(`:account/o-[a-z0-9]+/${accountId}$`)), Name: 'Production', Type: 'ACCOUNT' },
    ]);
    expect(await policiesFor(org, ou.Id!)).toEqual(['p-FullAWSAccess', p.Id]);
    const summaries = (await org.send(new ListPoliciesForTargetCommand({ TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' }))).Policies!;
    expect(summaries[1]).toEqual({ Id: p.Id, Arn: p.Arn, Name: 'deny-leaving', Description: 'deny-leaving policy', Type: 'SERVICE_CONTROL_POLICY', AwsManaged: false });
    expect(await policiesFor(org, accountId, 'TAG_POLICY')).toEqual([]);

    // Attached, it can't be deleted.
    const inUse = await refusal(() => org.send(new DeletePolicyCommand({ PolicyId: p.Id! })));
    expect(inUse.error).toBeInstanceOf(PolicyInUseException);
    expect(inUse.status).toBe(409);
    expect(inUse.message).toBe('The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.');

    await org.send(new DetachPolicyCommand({ PolicyId: p.Id!, TargetId: ou.Id! }));
    expect(await policiesFor(org, ou.Id!)).toEqual(['p-FullAWSAccess']);
    // FullAWSAccess may go once another SCP holds the target.
    await org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: accountId }));
    expect(await policiesFor(org, accountId)).toEqual([p.Id]);
    expect((await targetsOf(org, p.Id!)).map((t) => t.TargetId)).toEqual([rootId, accountId]);
  });
});

describe('policy types', () => {
  it('RCPs: enabling attaches RCPFullAWSAccess everywhere, new OUs and accounts get the managed policies, disabling detaches every RCP', async () => {
    const { sb, org, rootId, mgmt } = await withOrganization();
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Before' }))).OrganizationalUnit!;
    expect(await policiesFor(org, ou.Id!)).toEqual(['p-FullAWSAccess']);

    const answer = await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
    expect(answer.Root!.PolicyTypes).toEqual([
      { Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' },
      { Type: 'RESOURCE_CONTROL_POLICY', Status: 'ENABLED' },
    ]);
    expect((await org.send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes).toEqual(answer.Root!.PolicyTypes);
    const rcpFull = (await org.send(new DescribePolicyCommand({ PolicyId: 'p-RCPFullAWSAccess' }))).Policy!;
    expect(rcpFull.PolicySummary).toMatchObject({
      Arn: 'arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess',
      Name: 'RCPFullAWSAccess',
      Type: 'RESOURCE_CONTROL_POLICY',
      AwsManaged: true,
    });
    for (const target of [rootId, ou.Id!, mgmt]) expect(await policiesFor(org, target, 'RESOURCE_CONTROL_POLICY')).toEqual(['p-RCPFullAWSAccess']);

    const later = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: ou.Id!, Name: 'After' }))).OrganizationalUnit!;
    const accountId = await createAccount(sb, org, 'Newcomer');
    for (const target of [later.Id!, accountId]) {
      expect(await policiesFor(org, target)).toEqual(['p-FullAWSAccess']);
      expect(await policiesFor(org, target, 'RESOURCE_CONTROL_POLICY')).toEqual(['p-RCPFullAWSAccess']);
    }

    const rcp = await createPolicy(org, 'deny-external', 'RESOURCE_CONTROL_POLICY', RCP);
    await org.send(new AttachPolicyCommand({ PolicyId: rcp.Id!, TargetId: ou.Id! }));
    const disabled = await org.send(new DisablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
    expect(disabled.Root!.PolicyTypes).toEqual([{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
    expect(await targetsOf(org, rcp.Id!)).toEqual([]);
    expect(await targetsOf(org, 'p-RCPFullAWSAccess')).toEqual([]);
    // The policies stay; only their attachments go.
    expect((await org.send(new ListPoliciesCommand({ Filter: 'RESOURCE_CONTROL_POLICY' }))).Policies!.map((p) => p.Id)).toEqual(['p-RCPFullAWSAccess', rcp.Id]);
    const notEnabled = await refusal(() => org.send(new AttachPolicyCommand({ PolicyId: rcp.Id!, TargetId: ou.Id! })));
    expect(notEnabled.error).toBeInstanceOf(PolicyTypeNotEnabledException);
    expect(notEnabled.status).toBe(409);
    expect(notEnabled.message).toBe('This operation can be performed only for enabled policy types.');
  });

  it('SCPs re-enabled start again from FullAWSAccess alone on every root, OU and account', async () => {
    const { org, rootId, mgmt } = await withOrganization();
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }))).OrganizationalUnit!;
    const p = await createPolicy(org, 'deny-leaving');
    await org.send(new AttachPolicyCommand({ PolicyId: p.Id!, TargetId: ou.Id! }));
    await org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: ou.Id! }));

    await org.send(new DisablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    expect((await org.send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes).toEqual([]);
    // The deprecated AvailablePolicyTypes still shows SCPs: it tells what the organization could use, not the root.
    expect((await org.send(new DescribeOrganizationCommand({}))).Organization!.AvailablePolicyTypes).toEqual([{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
    expect(await policiesFor(org, ou.Id!)).toEqual([]);
    // A new OU while SCPs are off gets nothing.
    const quiet = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Quiet' }))).OrganizationalUnit!;
    expect(await policiesFor(org, quiet.Id!)).toEqual([]);

    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    for (const target of [rootId, ou.Id!, quiet.Id!, mgmt]) expect(await policiesFor(org, target)).toEqual(['p-FullAWSAccess']);
    expect(await targetsOf(org, p.Id!)).toEqual([]);
  });

  it('management policy types come without a managed policy', async () => {
    const { org, rootId } = await withOrganization();
    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' }));
    expect(await policiesFor(org, rootId, 'TAG_POLICY')).toEqual([]);
    expect((await org.send(new ListPoliciesCommand({ Filter: 'TAG_POLICY' }))).Policies).toEqual([]);
    const tag = await createPolicy(org, 'cost-center', 'TAG_POLICY', TAG);
    await org.send(new AttachPolicyCommand({ PolicyId: tag.Id!, TargetId: rootId }));
    // The last tag policy may go: only SCPs have a minimum.
    await org.send(new DetachPolicyCommand({ PolicyId: tag.Id!, TargetId: rootId }));
    expect(await policiesFor(org, rootId, 'TAG_POLICY')).toEqual([]);
  });
});

describe('refusals', () => {
  it('answers each error with its code, status and message', async () => {
    const { org, rootId, mgmt } = await withOrganization();
    const p = await createPolicy(org, 'deny-leaving');
    const tag = await createPolicy(org, 'cost-center', 'TAG_POLICY', TAG);
    const cases: [() => Promise<unknown>, string, number, string | undefined, RegExp | string][] = [
      [() => createPolicy(org, 'deny-leaving'), 'DuplicatePolicyException', 409, undefined, 'A policy with the specified name and type already exists.'],
      [() => org.send(new DescribePolicyCommand({ PolicyId: 'p-abcdefgh' })), 'PolicyNotFoundException', 404, undefined, "We can't find a policy with the PolicyId that you specified."],
      [() => org.send(new DescribePolicyCommand({ PolicyId: 'policy-1' })), 'InvalidInputException', 400, 'INVALID_PATTERN', 'You provided a value that does not match the required pattern.'],
      [() => org.send(new ListPoliciesCommand({ Filter: 'NOT_A_TYPE' as PolicyType })), 'InvalidInputException', 400, 'INVALID_ENUM', /Filter/],
      [() => createPolicy(org, 'x'.repeat(129)), 'InvalidInputException', 400, 'MAX_LENGTH_EXCEEDED', /Name/],
      [() => createPolicy(org, 'bad', 'SERVICE_CONTROL_POLICY', '{not json'), 'MalformedPolicyDocumentException', 400, undefined, "The provided policy document doesn't meet the requirements of the specified policy type."],
      [() => org.send(new AttachPolicyCommand({ PolicyId: tag.Id!, TargetId: rootId })), 'PolicyTypeNotEnabledException', 409, undefined, /enabled policy types/],
      [() => org.send(new AttachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: rootId })), 'DuplicatePolicyAttachmentException', 409, undefined, 'The selected policy is already attached to the specified target.'],
      [() => org.send(new AttachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: '999999999999' })), 'TargetNotFoundException', 404, undefined, /TargetId/],
      [() => org.send(new AttachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: 'nope' })), 'InvalidInputException', 400, 'INVALID_PATTERN_TARGET_ID', "You specified a policy target ID that doesn't match the required pattern."],
      [() => org.send(new DetachPolicyCommand({ PolicyId: p.Id!, TargetId: mgmt })), 'PolicyNotAttachedException', 409, undefined, "The policy isn't attached to the specified target in the specified root."],
      [() => org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: mgmt })), 'ConstraintViolationException', 409, 'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED', /fewer than the minimum/],
      [() => org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' })), 'PolicyTypeAlreadyEnabledException', 409, undefined, 'The specified policy type is already enabled.'],
      [() => org.send(new DisablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' })), 'PolicyTypeNotEnabledException', 409, undefined, /enabled policy types/],
      [() => org.send(new EnablePolicyTypeCommand({ RootId: 'r-zzzz', PolicyType: 'TAG_POLICY' })), 'RootNotFoundException', 404, undefined, "We can't find a root with the RootId that you specified."],
      [() => org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'NOPE' as PolicyType })), 'InvalidInputException', 400, 'INVALID_ENUM', /PolicyType/],
      [() => org.send(new UpdatePolicyCommand({ PolicyId: 'p-FullAWSAccess', Description: 'mine' })), 'InvalidInputException', 400, 'IMMUTABLE_POLICY', /managed by AWS/],
      [() => org.send(new DeletePolicyCommand({ PolicyId: 'p-FullAWSAccess' })), 'InvalidInputException', 400, 'IMMUTABLE_POLICY', /managed by AWS/],
      [() => org.send(new TagResourceCommand({ ResourceId: 'p-abcdefgh', Tags: [{ Key: 'a', Value: 'b' }] })), 'TargetNotFoundException', 404, undefined, /TargetId/],
      // AWS's managed policies fail the tagging pattern.
      [() => org.send(new ListTagsForResourceCommand({ ResourceId: 'p-FullAWSAccess' })), 'InvalidInputException', 400, 'INVALID_PATTERN', 'You provided a value that does not match the required pattern.'],
      [() => org.send(new TagResourceCommand({ ResourceId: 'p-FullAWSAccess', Tags: [{ Key: 'a', Value: 'b' }] })), 'InvalidInputException', 400, 'INVALID_PATTERN', /required pattern/],
    ];
    for (const [call, name, status, reason, message] of cases) {
      const r = await refusal(call);
      expect({ name: r.name, status: r.status, reason: r.reason }, String(message)).toEqual({ name, status, reason });
      if (typeof message === 'string') expect(r.message).toBe(message);
      else expect(r.message).toMatch(message);
    }
    expect((await refusal(() => createPolicy(org, 'deny-leaving'))).error).toBeInstanceOf(DuplicatePolicyException);
    expect((await refusal(() => org.send(new AttachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: rootId })))).error).toBeInstanceOf(DuplicatePolicyAttachmentException);
    expect((await refusal(() => org.send(new DetachPolicyCommand({ PolicyId: p.Id!, TargetId: mgmt })))).error).toBeInstanceOf(PolicyNotAttachedException);
    expect((await refusal(() => org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' })))).error).toBeInstanceOf(
      PolicyTypeAlreadyEnabledException,
    );
    expect((await refusal(() => org.send(new EnablePolicyTypeCommand({ RootId: 'r-zzzz', PolicyType: 'TAG_POLICY' })))).error).toBeInstanceOf(RootNotFoundException);
    expect((await refusal(() => org.send(new AttachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: '999999999999' })))).error).toBeInstanceOf(TargetNotFoundException);
    // A name may be reused under another type, and a policy keeps its own name on update.
    await createPolicy(org, 'deny-leaving', 'TAG_POLICY', TAG);
    await org.send(new UpdatePolicyCommand({ PolicyId: p.Id!, Name: 'deny-leaving' }));
    const other = await createPolicy(org, 'other');
    expect(await failure(() => org.send(new UpdatePolicyCommand({ PolicyId: other.Id!, Name: 'deny-leaving' })))).toBeInstanceOf(DuplicatePolicyException);
    // Nothing changed under the refusals.
    expect((await org.send(new DescribePolicyCommand({ PolicyId: 'p-FullAWSAccess' }))).Policy!.PolicySummary!.Description).toBe('Allows access to every operation');
    expect(await policiesFor(org, mgmt)).toEqual(['p-FullAWSAccess']);
  });

  it('refuses RCPFullAWSAccess being detached', async () => {
    const { org, rootId } = await withOrganization();
    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
    const r = await refusal(() => org.send(new DetachPolicyCommand({ PolicyId: 'p-RCPFullAWSAccess', TargetId: rootId })));
    expect(r.error).toBeInstanceOf(InvalidInputException);
    expect(r.reason).toBe('NON_DETACHABLE_POLICY');
    expect(await policiesFor(org, rootId, 'RESOURCE_CONTROL_POLICY')).toEqual(['p-RCPFullAWSAccess']);
  });

  it('checks the grammar of SCPs and RCPs and that other types are JSON objects', async () => {
    const { org } = await withOrganization();
    const doc = (statement: Record<string, unknown>, version = '2012-10-17') => JSON.stringify({ Version: version, Statement: [statement] });
    const malformed: [PolicyType, string][] = [
      ['SERVICE_CONTROL_POLICY', JSON.stringify({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] })],
      ['SERVICE_CONTROL_POLICY', doc({ Effect: 'Deny', Action: '*' }, '2008-10-17')],
      ['SERVICE_CONTROL_POLICY', doc({ Effect: 'Block', Action: '*' })],
      ['SERVICE_CONTROL_POLICY', doc({ Effect: 'Deny', Resource: '*' })],
      ['SERVICE_CONTROL_POLICY', doc({ Effect: 'Deny', Action: '*', NotAction: 's3:*' })],
      ['SERVICE_CONTROL_POLICY', doc({ Effect: 'Deny', Action: '*', Principal: '*' })],
      ['SERVICE_CONTROL_POLICY', JSON.stringify({ Version: '2012-10-17', Statement: [] })],
      ['RESOURCE_CONTROL_POLICY', doc({ Effect: 'Deny', Action: '*', Resource: '*' })],
      ['RESOURCE_CONTROL_POLICY', doc({ Effect: 'Deny', Principal: { AWS: '111122223333' }, Action: '*', Resource: '*' })],
      ['RESOURCE_CONTROL_POLICY', doc({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' })],
      ['RESOURCE_CONTROL_POLICY', doc({ Effect: 'Deny', Principal: '*', NotAction: 's3:*', Resource: '*' })],
      ['RESOURCE_CONTROL_POLICY', doc({ Effect: 'Deny', Principal: '*', Action: 's3:*' })],
      ['TAG_POLICY', '[]'],
      ['BACKUP_POLICY', 'plans: {}'],
    ];
    for (const [type, content] of malformed) {
      const r = await refusal(() => createPolicy(org, `m-${Math.random()}`, type, content));
      expect(r.error, `${type} ${content}`).toBeInstanceOf(MalformedPolicyDocumentException);
      expect(r.status).toBe(400);
    }
    // NotAction with NotResource, a lone statement object and a Condition are all SCP grammar.
    await createPolicy(org, 'allowed-regions', 'SERVICE_CONTROL_POLICY', JSON.stringify({
      Version: '2012-10-17',
      Statement: { Sid: 'Regions', Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } } },
    }));
    expect((await org.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies!.map((p) => p.Name)).toEqual(['FullAWSAccess', 'allowed-regions']);
  });

  it('refuses member accounts and accounts outside the organization', async () => {
    const { sb, org, rootId } = await withOrganization();
    const id = await createAccount(sb, org, 'Member');
    sb.advanceTime(DELAY);
    const member = orgClient(sb, await assume(sb, `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`));
    const outside = sb.addStandaloneAccount({ name: 'Outside', email: 'outside@example.com' });
    const key = createAccessKey(sb.state, outside, sb.runtime, ADMIN_USER_NAME);
    const stranger = orgClient(sb, { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    const calls = (c: OrganizationsClient) => [
      () => createPolicy(c, 'nope'),
      () => c.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' })),
      () => c.send(new DescribePolicyCommand({ PolicyId: 'p-FullAWSAccess' })),
      () => c.send(new ListPoliciesForTargetCommand({ TargetId: id, Filter: 'SERVICE_CONTROL_POLICY' })),
      () => c.send(new ListTargetsForPolicyCommand({ PolicyId: 'p-FullAWSAccess' })),
      () => c.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: id })),
      () => c.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' })),
    ];
    for (const call of calls(member)) {
      const r = await refusal(call);
      expect(r.error).toBeInstanceOf(AccessDeniedException);
      expect(r.status).toBe(403);
    }
    for (const call of calls(stranger)) expect(await failure(call)).toBeInstanceOf(AWSOrganizationsNotInUseException);
    expect((await org.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies!.map((p) => p.Id)).toEqual(['p-FullAWSAccess']);
    expect(await policiesFor(org, id)).toEqual(['p-FullAWSAccess']);
  });
});

describe('limits', () => {
  it('holds 10 SCPs on a target, FullAWSAccess counted, and refuses an 11th (AWS doubled the SCP quota on 15 May 2026)', async () => {
    const { org, rootId } = await withOrganization();
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }))).OrganizationalUnit!;
    const ids: string[] = [];
    for (let i = 1; i <= 10; i++) ids.push((await createPolicy(org, `scp-${i}`)).Id!);
    for (const id of ids.slice(0, 9)) await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: ou.Id! }));
    expect(await policiesFor(org, ou.Id!)).toHaveLength(10);
    const r = await refusal(() => org.send(new AttachPolicyCommand({ PolicyId: ids[9]!, TargetId: ou.Id! })));
    expect(r.error).toBeInstanceOf(ConstraintViolationException);
    expect(r.status).toBe(409);
    expect(r.reason).toBe('MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED');
    expect(r.message).toBe('You have attached the maximum number of policies to the specified target.');
    expect(await policiesFor(org, ou.Id!)).toEqual(['p-FullAWSAccess', ...ids.slice(0, 9)]);
    // Without FullAWSAccess there is room for the 10th.
    await org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: ou.Id! }));
    await org.send(new AttachPolicyCommand({ PolicyId: ids[9]!, TargetId: ou.Id! }));
    expect(await policiesFor(org, ou.Id!)).toEqual(ids);
  });

  it('holds 5 RCPs on a target, RCPFullAWSAccess counted, and refuses a 6th', async () => {
    const { org, rootId } = await withOrganization();
    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await createPolicy(org, `rcp-${i}`, 'RESOURCE_CONTROL_POLICY', RCP)).Id!);
    for (const id of ids.slice(0, 4)) await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: rootId }));
    const r = await refusal(() => org.send(new AttachPolicyCommand({ PolicyId: ids[4]!, TargetId: rootId })));
    expect(r.error).toBeInstanceOf(ConstraintViolationException);
    expect(r.reason).toBe('MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED');
    expect(await policiesFor(org, rootId, 'RESOURCE_CONTROL_POLICY')).toEqual(['p-RCPFullAWSAccess', ...ids.slice(0, 4)]);
  });

  it('holds 10 tag policies and 5 AI services opt-out policies on a target and refuses one more', async () => {
    const { org, rootId } = await withOrganization();
    const optOut = JSON.stringify({ services: { default: { opt_out_policy: { '@@assign': 'optOut' } } } });
    for (const [type, limit, content] of [['TAG_POLICY', 10, TAG], ['AISERVICES_OPT_OUT_POLICY', 5, optOut]] as const) {
      await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: type }));
      const ids: string[] = [];
      for (let i = 0; i <= limit; i++) ids.push((await createPolicy(org, `${type}-${i}`, type, content)).Id!);
      for (const id of ids.slice(0, limit)) await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: rootId }));
      const r = await refusal(() => org.send(new AttachPolicyCommand({ PolicyId: ids[limit]!, TargetId: rootId })));
      expect(r.reason, type).toBe('MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED');
      expect(await policiesFor(org, rootId, type)).toEqual(ids.slice(0, limit));
    }
  });

  it('takes a document at its size limit, whitespace counted as sent, and refuses one character more', async () => {
    const { org } = await withOrganization();
    /** A document of exactly `size` ASCII characters: the Sid pads it. */
    const padded = (statement: Record<string, unknown>) => (size: number) => {
      const base = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: '', ...statement }] });
      return base.replace('"Sid":""', `"Sid":"${'x'.repeat(size - base.length)}"`);
    };
    const scpOf = padded({ Effect: 'Deny', Action: 'ec2:*', Resource: '*' });
    expect(scpOf(10_240)).toHaveLength(10_240);
    await createPolicy(org, 'at-limit', 'SERVICE_CONTROL_POLICY', scpOf(10_240));
    const r = await refusal(() => createPolicy(org, 'over-limit', 'SERVICE_CONTROL_POLICY', scpOf(10_241)));
    expect(r.error).toBeInstanceOf(ConstraintViolationException);
    expect(r.status).toBe(409);
    expect(r.reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');
    expect(r.message).toBe('You have exceeded the maximum policy size.');
    // Whitespace counts: 10,220 characters of document and 21 spaces are too many.
    const spaced = scpOf(10_220).replace('{"Version"', `{${' '.repeat(21)}"Version"`);
    expect((await refusal(() => createPolicy(org, 'spaced', 'SERVICE_CONTROL_POLICY', spaced))).reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');
    // Beyond ASCII the size is held in UTF-8 bytes: 10,240 characters with one 'é' in them are 10,241 bytes.
    const accented = scpOf(10_240).replace('xx', 'xé');
    expect(accented).toHaveLength(10_240);
    expect((await refusal(() => createPolicy(org, 'accented', 'SERVICE_CONTROL_POLICY', accented))).reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');
    await createPolicy(org, 'accented', 'SERVICE_CONTROL_POLICY', scpOf(10_239).replace('x', 'é'));
    // UpdatePolicy is held to the same limit.
    const small = await createPolicy(org, 'small');
    expect((await refusal(() => org.send(new UpdatePolicyCommand({ PolicyId: small.Id!, Content: scpOf(10_241) })))).reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');
    expect((await org.send(new DescribePolicyCommand({ PolicyId: small.Id! }))).Policy!.Content).toBe(SCP);

    // RCPs kept the 5,120 of old.
    const rcpOf = padded({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' });
    await createPolicy(org, 'rcp-at-limit', 'RESOURCE_CONTROL_POLICY', rcpOf(5120));
    expect((await refusal(() => createPolicy(org, 'rcp-over', 'RESOURCE_CONTROL_POLICY', rcpOf(5121)))).reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');

    const optOut = (size: number) => {
      const base = JSON.stringify({ services: { default: { opt_out_policy: { '@@assign': 'optOut' } } }, pad: '' });
      return base.replace('"pad":""', `"pad":"${'x'.repeat(size - base.length)}"`);
    };
    await createPolicy(org, 'ai-at-limit', 'AISERVICES_OPT_OUT_POLICY', optOut(2500));
    expect((await refusal(() => createPolicy(org, 'ai-over', 'AISERVICES_OPT_OUT_POLICY', optOut(2501)))).reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');
    const tagOf = (size: number) => `{"pad":"${'x'.repeat(size - 10)}"}`;
    await createPolicy(org, 'tag-at-limit', 'TAG_POLICY', tagOf(10_000));
    expect((await refusal(() => createPolicy(org, 'tag-over', 'TAG_POLICY', tagOf(10_001)))).reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');
  });

  it('takes names up to 128 and descriptions up to 512 characters', async () => {
    const { org } = await withOrganization();
    const name = 'n'.repeat(128);
    await org.send(new CreatePolicyCommand({ Name: name, Description: 'd'.repeat(512), Type: 'SERVICE_CONTROL_POLICY', Content: SCP }));
    const over = await refusal(() => org.send(new CreatePolicyCommand({ Name: 'ok', Description: 'd'.repeat(513), Type: 'SERVICE_CONTROL_POLICY', Content: SCP })));
    expect(over.error).toBeInstanceOf(InvalidInputException);
    expect(over.reason).toBe('MAX_LENGTH_EXCEEDED');
    expect((await org.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies!.map((p) => p.Name)).toEqual(['FullAWSAccess', name]);
  });

  it('holds 1,000 policies of a type and refuses one more', async () => {
    const { sb, org, organization } = await withOrganization();
    // 999 written straight into the state (a thousand CreatePolicy calls would only slow the test), the 1,000th through the API.
    const policies = sb.state.organization!.policies!;
    for (let i = 0; i < 999; i++) {
      const id = `p-seed${String(i).padStart(4, '0')}`;
      policies[id] = { id, arn: `arn:aws:organizations::${sb.managementAccountId}:policy/${organization.Id}/tag_policy/${id}`, name: `seed-${i}`, description: '', type: 'TAG_POLICY', awsManaged: false, content: TAG, targets: [] };
    }
    await createPolicy(org, 'thousandth', 'TAG_POLICY', TAG);
    const r = await refusal(() => createPolicy(org, 'one-more', 'TAG_POLICY', TAG));
    expect(r.error).toBeInstanceOf(ConstraintViolationException);
    expect(r.reason).toBe('POLICY_NUMBER_LIMIT_EXCEEDED');
    // Another type has its own count.
    await createPolicy(org, 'one-more', 'BACKUP_POLICY', JSON.stringify({ plans: {} }));
    expect(Object.values(policies).filter((p) => p.type === 'TAG_POLICY')).toHaveLength(1000);
  });
});

describe('the state file', () => {
  it('keeps policies, their attachments and tags, and the enabled types across a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lz-orgpol-')), 'sandbox.json');
    const first = await startSandbox({ stateFile: file, delays: NO_SETTLING });
    const org = orgClient(first);
    await org.send(new CreateOrganizationCommand({}));
    const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
    const p = (await org.send(new CreatePolicyCommand({ Name: 'deny-leaving', Description: '', Type: 'SERVICE_CONTROL_POLICY', Content: SCP, Tags: [{ Key: 'k', Value: 'v' }] }))).Policy!;
    await org.send(new AttachPolicyCommand({ PolicyId: p.PolicySummary!.Id!, TargetId: rootId }));
    await first.close();

    const again = await startSandbox({ stateFile: file, delays: NO_SETTLING });
    sandboxes.push(again);
    const reread = orgClient(again);
    expect((await reread.send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes!.map((t) => t.Type)).toEqual(['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY']);
    expect((await reread.send(new DescribePolicyCommand({ PolicyId: p.PolicySummary!.Id! }))).Policy).toEqual(p);
    expect(await policiesFor(reread, rootId)).toEqual(['p-FullAWSAccess', p.PolicySummary!.Id]);
    expect(await policiesFor(reread, rootId, 'RESOURCE_CONTROL_POLICY')).toEqual(['p-RCPFullAWSAccess']);
    expect((await reread.send(new ListTagsForResourceCommand({ ResourceId: p.PolicySummary!.Id! }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });
});

describe('settling', () => {
  it('refuses the first policy writes to a new OU or root with ConcurrentModificationException, then takes them', async () => {
    const sb = await startSandbox({ port: 0, delays: { ...NO_SETTLING, concurrentModification: 100 } });
    sandboxes.push(sb);
    const org = orgClient(sb);
    await org.send(new CreateOrganizationCommand({}));
    const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const busy = await refusal(() => org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' })));
    expect(busy.error).toBeInstanceOf(ConcurrentModificationException);
    sb.advanceTime(100);
    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' }));
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'New' }))).OrganizationalUnit!;
    const p = await createPolicy(org, 'deny-leaving');
    expect(await failure(() => org.send(new AttachPolicyCommand({ PolicyId: p.Id!, TargetId: ou.Id! })))).toBeInstanceOf(ConcurrentModificationException);
    expect(await policiesFor(org, ou.Id!)).toEqual(['p-FullAWSAccess']);
    sb.advanceTime(100);
    await org.send(new AttachPolicyCommand({ PolicyId: p.Id!, TargetId: ou.Id! }));
    expect(await policiesFor(org, ou.Id!)).toEqual(['p-FullAWSAccess', p.Id]);
  });
});

describe('pagination', () => {
  it('pages ListPolicies, ListPoliciesForTarget and ListTargetsForPolicy in small pages', async () => {
    const { sb, org, rootId } = await withOrganization();
    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' }));
    const created: string[] = [];
    for (let i = 1; i <= 8; i++) created.push((await createPolicy(org, `tag-${i}`, 'TAG_POLICY', TAG)).Id!);
    for (const id of created) await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: rootId }));

    const listed: PolicySummary[] = [];
    let pages = 0;
    for await (const p of paginateListPolicies({ client: org }, { Filter: 'TAG_POLICY' })) {
      pages++;
      listed.push(...p.Policies!);
    }
    expect(listed.map((p) => p.Id)).toEqual(created);
    expect(pages).toBe(2);
    const first = await org.send(new ListPoliciesForTargetCommand({ TargetId: rootId, Filter: 'TAG_POLICY', MaxResults: 3 }));
    expect(first.Policies).toHaveLength(3);
    expect(first.NextToken).toBeDefined();
    expect(await policiesFor(org, rootId, 'TAG_POLICY')).toEqual(created);

    const units: string[] = [];
    for (let i = 1; i <= 6; i++) units.push((await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: `U${i}` }))).OrganizationalUnit!.Id!);
    const targets = await targetsOf(org, 'p-FullAWSAccess');
    expect(targets.map((t) => t.TargetId)).toEqual([rootId, sb.managementAccountId, ...units]);
    const bad = await refusal(() => org.send(new ListPoliciesCommand({ Filter: 'TAG_POLICY', NextToken: 'forged' })));
    expect(bad.error).toBeInstanceOf(InvalidInputException);
  });
});
