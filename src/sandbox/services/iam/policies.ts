import { optBool, optString, reqString, validationError } from '../../input.js';
import { iamPage } from '../../paginate.js';
import { AwsError } from '../../types.js';
import type { OperationHandler } from '../../types.js';
import {
  accountOf,
  attachmentCount,
  byName,
  checkName,
  checkPath,
  checkPolicyDocument,
  encodePolicyDocument,
  findPolicy,
  getGroupRecord,
  getPolicyRecord,
  getRoleRecord,
  getUserRecord,
  iamErrors,
  mintId,
} from './common.js';
import { AWS_MANAGED_POLICIES } from './managed-policies.js';
import { policyShape, versionShape } from './shapes.js';
import type { IamAccountState, IamGroup, IamManagedPolicy, IamRole, IamUser } from './state.js';

/** Managed policies and their versions, and the policies users, groups and roles hold (attached and inline). */

type Holder = { attachedPolicies: string[]; inlinePolicies: Record<string, string> };
type HolderKind = 'User' | 'Group' | 'Role';

function holder(iam: IamAccountState, kind: HolderKind, name: string): Holder {
  return kind === 'User' ? getUserRecord(iam, name) : kind === 'Group' ? getGroupRecord(iam, name) : getRoleRecord(iam, name);
}

function holderName(h: Holder, kind: HolderKind): string {
  return kind === 'User' ? (h as IamUser).userName : kind === 'Group' ? (h as IamGroup).groupName : (h as IamRole).roleName;
}

function policyOps(kind: HolderKind): Record<string, OperationHandler> {
  const nameKey = `${kind}Name`;
  return {
    [`Attach${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const arn = reqString(input, 'PolicyArn');
      getPolicyRecord(account.iam, arn);
      if (!h.attachedPolicies.includes(arn)) {
        if (h.attachedPolicies.length >= 10) throw iamErrors.limitExceeded(`Cannot exceed quota for PoliciesPer${kind}: 10`);
        h.attachedPolicies.push(arn);
      }
      return {};
    },
    [`Detach${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const arn = reqString(input, 'PolicyArn');
      const i = h.attachedPolicies.indexOf(arn);
      if (i < 0) throw iamErrors.noSuchEntity(`Policy ${arn} was not found.`);
      h.attachedPolicies.splice(i, 1);
      return {};
    },
    [`ListAttached${kind}Policies`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const prefix = optString(input, 'PathPrefix') ?? '/';
      const attached = h.attachedPolicies
        .map((arn) => findPolicy(account.iam, arn))
        .filter((p): p is IamManagedPolicy => p !== undefined && p.path.startsWith(prefix))
        .map((p) => ({ PolicyName: p.policyName, PolicyArn: p.arn }));
      const page = iamPage(byName(attached, (p) => p.PolicyName), input);
      return { AttachedPolicies: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    [`Put${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const policyName = reqString(input, 'PolicyName');
      checkName('policyName', policyName, 128);
      h.inlinePolicies[policyName] = checkPolicyDocument(reqString(input, 'PolicyDocument'));
      return {};
    },
    [`Get${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const policyName = reqString(input, 'PolicyName');
      const doc = h.inlinePolicies[policyName];
      if (doc === undefined) throw iamErrors.noSuchEntity(`The ${kind.toLowerCase()} policy with name ${policyName} cannot be found.`);
      return { [nameKey]: holderName(h, kind), PolicyName: policyName, PolicyDocument: encodePolicyDocument(doc) };
    },
    [`Delete${kind}Policy`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const policyName = reqString(input, 'PolicyName');
      if (h.inlinePolicies[policyName] === undefined) throw iamErrors.noSuchEntity(`The ${kind.toLowerCase()} policy with name ${policyName} cannot be found.`);
      delete h.inlinePolicies[policyName];
      return {};
    },
    [`List${kind}Policies`]: (ctx, input) => {
      const account = accountOf(ctx);
      const h = holder(account.iam, kind, reqString(input, nameKey));
      const page = iamPage(Object.keys(h.inlinePolicies).sort(), input);
      return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  };
}

export const policyOperations: Record<string, OperationHandler> = {
  CreatePolicy: (ctx, input) => {
    const account = accountOf(ctx);
    const policyName = reqString(input, 'PolicyName');
    checkName('policyName', policyName, 128);
    const path = checkPath(optString(input, 'Path') ?? '/');
    const document = checkPolicyDocument(reqString(input, 'PolicyDocument'));
    const arn = `arn:aws:iam::${account.id}:policy${path}${policyName}`;
    if (Object.values(account.iam.policies).some((p) => p.policyName.toLowerCase() === policyName.toLowerCase())) {
      throw iamErrors.alreadyExists(`A policy called ${policyName} already exists. Duplicate names are not allowed.`);
    }
    if (Object.keys(account.iam.policies).length >= 1500) throw iamErrors.limitExceeded('Cannot exceed quota for PoliciesPerAccount: 1500');
    const now = ctx.runtime.now().toISOString();
    const policy: IamManagedPolicy = {
      policyName,
      policyId: mintId(ctx.runtime, 'ANPA'),
      arn,
      path,
      description: optString(input, 'Description'),
      createDate: now,
      updateDate: now,
      defaultVersionId: 'v1',
      versions: [{ versionId: 'v1', document, createDate: now }],
      nextVersion: 2,
    };
    account.iam.policies[arn] = policy;
    // AWS leaves Description out of CreatePolicy's answer.
    return { Policy: policyShape(account, policy, false) };
  },
  GetPolicy: (ctx, input) => {
    const account = accountOf(ctx);
    return { Policy: policyShape(account, getPolicyRecord(account.iam, reqString(input, 'PolicyArn')), true) };
  },
  DeletePolicy: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    if (AWS_MANAGED_POLICIES[policy.arn]) throw new AwsError('AccessDenied', `Cannot delete the AWS managed policy ${policy.arn}.`, 403);
    if (attachmentCount(account, policy.arn) > 0) throw iamErrors.deleteConflict('Cannot delete a policy attached to entities.');
    if (policy.versions.length > 1) {
      throw iamErrors.deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
    }
    delete account.iam.policies[policy.arn];
    return {};
  },
  ListPolicies: (ctx, input) => {
    const account = accountOf(ctx);
    const scope = optString(input, 'Scope') ?? 'All';
    if (!['All', 'AWS', 'Local'].includes(scope)) throw validationError(`1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`);
    const onlyAttached = optBool(input, 'OnlyAttached') ?? false;
    const prefix = optString(input, 'PathPrefix') ?? '/';
    const all = [...(scope === 'Local' ? [] : Object.values(AWS_MANAGED_POLICIES)), ...(scope === 'AWS' ? [] : Object.values(account.iam.policies))];
    const policies = byName(
      all.filter((p) => p.path.startsWith(prefix) && (!onlyAttached || attachmentCount(account, p.arn) > 0)),
      (p) => p.policyName,
    );
    const page = iamPage(policies, input);
    return { Policies: page.items.map((p) => policyShape(account, p, false)), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  GetPolicyVersion: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const versionId = reqString(input, 'VersionId');
    const v = policy.versions.find((x) => x.versionId === versionId);
    if (!v) throw iamErrors.noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
    return { PolicyVersion: versionShape(policy, v, true) };
  },
  CreatePolicyVersion: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    if (AWS_MANAGED_POLICIES[policy.arn]) throw new AwsError('AccessDenied', `Cannot modify the AWS managed policy ${policy.arn}.`, 403);
    const document = checkPolicyDocument(reqString(input, 'PolicyDocument'));
    if (policy.versions.length >= 5) {
      throw iamErrors.limitExceeded('A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.');
    }
    const now = ctx.runtime.now().toISOString();
    const v = { versionId: `v${policy.nextVersion}`, document, createDate: now };
    policy.nextVersion += 1;
    policy.versions.push(v);
    if (optBool(input, 'SetAsDefault')) {
      policy.defaultVersionId = v.versionId;
      policy.updateDate = now;
    }
    return { PolicyVersion: versionShape(policy, v, false) };
  },
  DeletePolicyVersion: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const versionId = reqString(input, 'VersionId');
    const i = policy.versions.findIndex((x) => x.versionId === versionId);
    if (i < 0) throw iamErrors.noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
    if (versionId === policy.defaultVersionId) throw iamErrors.deleteConflict('Cannot delete the default version of a policy.');
    policy.versions.splice(i, 1);
    return {};
  },
  SetDefaultPolicyVersion: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const versionId = reqString(input, 'VersionId');
    if (!policy.versions.some((x) => x.versionId === versionId)) throw iamErrors.noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
    policy.defaultVersionId = versionId;
    policy.updateDate = ctx.runtime.now().toISOString();
    return {};
  },
  ListPolicyVersions: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const versions = [...policy.versions].reverse();
    const page = iamPage(versions, input);
    return { Versions: page.items.map((v) => versionShape(policy, v, false)), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },

  ...policyOps('User'),
  ...policyOps('Group'),
  ...policyOps('Role'),

  ListEntitiesForPolicy: (ctx, input) => {
    const account = accountOf(ctx);
    const policy = getPolicyRecord(account.iam, reqString(input, 'PolicyArn'));
    const filter = optString(input, 'EntityFilter');
    const entities: { list: 'PolicyUsers' | 'PolicyGroups' | 'PolicyRoles'; value: Record<string, string> }[] = [];
    if (!filter || filter === 'User') {
      for (const u of byName(Object.values(account.iam.users), (x) => x.userName)) if (u.attachedPolicies.includes(policy.arn)) entities.push({ list: 'PolicyUsers', value: { UserName: u.userName, UserId: u.userId } });
    }
    if (!filter || filter === 'Group') {
      for (const g of byName(Object.values(account.iam.groups), (x) => x.groupName)) if (g.attachedPolicies.includes(policy.arn)) entities.push({ list: 'PolicyGroups', value: { GroupName: g.groupName, GroupId: g.groupId } });
    }
    if (!filter || filter === 'Role') {
      for (const r of byName(Object.values(account.iam.roles), (x) => x.roleName)) if (r.attachedPolicies.includes(policy.arn)) entities.push({ list: 'PolicyRoles', value: { RoleName: r.roleName, RoleId: r.roleId } });
    }
    const page = iamPage(entities, input);
    const pick = (name: (typeof entities)[number]['list']) => page.items.filter((e) => e.list === name).map((e) => e.value);
    return { PolicyGroups: pick('PolicyGroups'), PolicyUsers: pick('PolicyUsers'), PolicyRoles: pick('PolicyRoles'), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
};
