import { setTimeout as sleep } from 'node:timers/promises';
import { CreateGroupCommand } from '@aws-sdk/client-identitystore';
import {
  AttachCustomerManagedPolicyReferenceToPermissionSetCommand,
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DeletePermissionSetCommand,
  DeletePermissionsBoundaryFromPermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachCustomerManagedPolicyReferenceFromPermissionSetCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  PutPermissionsBoundaryToPermissionSetCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePermissionSetCommand,
  paginateListAccountsForProvisionedPermissionSet,
  paginateListCustomerManagedPolicyReferencesInPermissionSet,
  paginateListManagedPoliciesInPermissionSet,
  paginateListPermissionSets,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import pLimit from 'p-limit';
import { NOT_FOUND, errorSummary, ignoreCodes, isError } from '../../aws/aws-errors.js';
import type { ApplyContext } from '../../core/module.js';
import { LzError } from '../../errors.js';
import { findInstance, principalId, type Instance } from './live.js';
import type { IdentityCenterPayload, SetSpec } from './plan.js';

/** Identity Center refuses a second change to one set or account while one is under way: wait and try again. */
const BUSY = ['ConflictException'];
/** ProvisionPermissionSet requests in progress at once: AWS allows "up to three concurrent calls". */
const PROVISION_CONCURRENCY = 3;

/** Carries out one Identity Center change; each step is safe to repeat after a crash. */
export async function applyIdentityCenterChange(ctx: ApplyContext, payload: IdentityCenterPayload): Promise<void> {
  const sso = ctx.aws.management.ssoAdminIn(payload.region);
  const instance = await instanceOf(ctx, payload.region);
  switch (payload.op) {
    case 'create-group': {
      const store = ctx.aws.management.identityStoreIn(payload.region);
      // A group of that name exists (an interrupted run made it): done. A concurrent change: wait and retry.
      const create = () =>
        store.send(new CreateGroupCommand({ IdentityStoreId: instance.identityStoreId, DisplayName: payload.name, ...(payload.description ? { Description: payload.description } : {}) })).catch((err: unknown) => {
          if (isError(err, 'ConflictException') && (err as { Reason?: string }).Reason === 'UNIQUENESS_CONSTRAINT_VIOLATION') return undefined;
          throw err;
        });
      try {
        await whenFree(ctx, create);
      } catch (err) {
        throw new LzError('identity-center.create-group', `Cannot create group ${payload.name}: ${errorSummary(err)}`, {
          hint: "lz creates groups only in Identity Center's own directory; with Active Directory or an external identity provider, create it there",
          cause: err,
        });
      }
      return;
    }
    case 'create-set': {
      const s = payload.spec;
      const create = () =>
        sso.send(
          new CreatePermissionSetCommand({
            InstanceArn: instance.arn,
            Name: s.name,
            SessionDuration: s.sessionDuration,
            ...(s.description !== undefined ? { Description: s.description } : {}),
            ...(s.relayState !== undefined ? { RelayState: s.relayState } : {}),
            Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
      // ConflictException is both "that name exists" (an interrupted run made it: adopt it and make it what
      // the file says) and "busy" (try again): which one, the set's listing tells.
      const created = await whenFree(ctx, async () => {
        try {
          return { arn: (await create()).PermissionSet?.PermissionSetArn, fresh: true };
        } catch (err) {
          if (!isError(err, ...BUSY)) throw err;
          const existing = await findSetArn(sso, instance, s.name);
          if (!existing) throw err;
          return { arn: existing, fresh: false };
        }
      });
      const arn = created.arn ?? (await setArn(ctx, sso, instance, s.name));
      if (!created.fresh) await updateSet(sso, instance, arn, s);
      await configureSet(ctx, sso, instance, arn, s, { detachManaged: [], detachCustomer: [], removeInline: false, removeBoundary: false, untag: [] });
      return;
    }
    case 'update-set':
      await updateSet(sso, instance, payload.arn, payload.spec);
      await configureSet(ctx, sso, instance, payload.arn, payload.spec, payload);
      if (payload.provision) await provisionEverywhere(ctx, sso, instance, payload.arn, payload.spec.name);
      return;
    case 'delete-set':
      for (const a of payload.assignments) await unassign(ctx, sso, instance, { permissionSetArn: payload.arn, ...a });
      // Still busy removing the set from the accounts just unassigned: wait for it.
      await ignoreCodes(whenFree(ctx, () => sso.send(new DeletePermissionSetCommand({ InstanceArn: instance.arn, PermissionSetArn: payload.arn }))), NOT_FOUND);
      return;
    case 'assign': {
      const arn = payload.permissionSetArn ?? (await setArn(ctx, sso, instance, payload.permissionSet));
      const principal = payload.principalId ?? (await principalId(ctx.aws.management.identityStoreIn(payload.region), instance.identityStoreId, payload.principalType, payload.principal, ctx.aws.memo.bind(ctx.aws)));
      if (!principal) throw new LzError('identity-center.unknown-principal', `${payload.principalType === 'GROUP' ? 'Group' : 'User'} ${payload.principal} is not in the identity store.`, { hint: 'create it, or fix accounts.yaml' });
      const accountId = payload.accountId ?? ctx.index.accountIds.get(payload.account);
      if (!accountId) throw new LzError('identity-center.unknown-account', `Account ${payload.account} has no id yet (was it created?).`);
      const target = { InstanceArn: instance.arn, PermissionSetArn: arn, PrincipalType: payload.principalType, PrincipalId: principal, TargetType: 'AWS_ACCOUNT' as const, TargetId: accountId };
      const subject = `${payload.account}`;
      ctx.progress(subject, `assigning ${payload.permissionSet} to ${payload.principal}`);
      const out = await whenFree(ctx, () => sso.send(new CreateAccountAssignmentCommand(target)));
      const requestId = out.AccountAssignmentCreationStatus?.RequestId;
      if (requestId) {
        await waitFor(ctx, subject, `${payload.permissionSet} for ${payload.principal}`, async () => {
          const s = (await sso.send(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instance.arn, AccountAssignmentCreationRequestId: requestId }))).AccountAssignmentCreationStatus;
          return { status: s?.Status, reason: s?.FailureReason };
        });
      }
      return;
    }
    case 'unassign':
      await unassign(ctx, sso, instance, payload);
      return;
  }
}

function instanceOf(ctx: ApplyContext, region: string): Promise<Instance> {
  return findInstance(ctx.aws.management, region, ctx.aws.memo.bind(ctx.aws)).then((i) => {
    if (!i) throw new LzError('identity-center.no-instance', `IAM Identity Center has no instance in ${region}.`, { hint: 'enable IAM Identity Center in the management account first' });
    return i;
  });
}

async function updateSet(sso: SSOAdminClient, instance: Instance, arn: string, s: SetSpec): Promise<void> {
  await sso.send(
    new UpdatePermissionSetCommand({
      InstanceArn: instance.arn,
      PermissionSetArn: arn,
      SessionDuration: s.sessionDuration,
      ...(s.description !== undefined ? { Description: s.description } : {}),
      ...(s.relayState !== undefined ? { RelayState: s.relayState } : {}),
    }),
  );
}

/**
 * Policies, boundary and tags as the spec says. Only what is not attached yet is attached: AWS answers an
 * attach of an attached policy with ConflictException, which also means "busy, try again".
 */
async function configureSet(
  ctx: ApplyContext,
  sso: SSOAdminClient,
  instance: Instance,
  arn: string,
  s: SetSpec,
  remove: { detachManaged: string[]; detachCustomer: { name: string; path: string }[]; removeInline: boolean; removeBoundary: boolean; untag: string[] },
): Promise<void> {
  const ref = { InstanceArn: instance.arn, PermissionSetArn: arn };
  for (const p of remove.detachManaged) await ignoreCodes(sso.send(new DetachManagedPolicyFromPermissionSetCommand({ ...ref, ManagedPolicyArn: p })), NOT_FOUND);
  for (const c of remove.detachCustomer) await ignoreCodes(sso.send(new DetachCustomerManagedPolicyReferenceFromPermissionSetCommand({ ...ref, CustomerManagedPolicyReference: { Name: c.name, Path: c.path } })), NOT_FOUND);
  const managed = new Set<string>();
  for await (const page of paginateListManagedPoliciesInPermissionSet({ client: sso }, ref)) for (const p of page.AttachedManagedPolicies ?? []) if (p.Arn) managed.add(p.Arn);
  const customer = new Set<string>();
  for await (const page of paginateListCustomerManagedPolicyReferencesInPermissionSet({ client: sso }, ref)) {
    for (const c of page.CustomerManagedPolicyReferences ?? []) customer.add(`${c.Path ?? '/'}${c.Name}`);
  }
  for (const p of s.managedPolicies.filter((arn) => !managed.has(arn))) await whenFree(ctx, () => sso.send(new AttachManagedPolicyToPermissionSetCommand({ ...ref, ManagedPolicyArn: p })));
  for (const c of s.customerManagedPolicies.filter((c) => !customer.has(`${c.path}${c.name}`))) {
    await whenFree(ctx, () => sso.send(new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({ ...ref, CustomerManagedPolicyReference: { Name: c.name, Path: c.path } })));
  }
  if (s.inline !== undefined) await sso.send(new PutInlinePolicyToPermissionSetCommand({ ...ref, InlinePolicy: s.inline }));
  else if (remove.removeInline) await ignoreCodes(sso.send(new DeleteInlinePolicyFromPermissionSetCommand(ref)), NOT_FOUND);
  if (s.boundary) {
    const b = s.boundary;
    await sso.send(
      new PutPermissionsBoundaryToPermissionSetCommand({
        ...ref,
        PermissionsBoundary: b.managedPolicy ? { ManagedPolicyArn: b.managedPolicy } : { CustomerManagedPolicyReference: { Name: b.customerManagedPolicy!.name, Path: b.customerManagedPolicy!.path } },
      }),
    );
  } else if (remove.removeBoundary) await ignoreCodes(sso.send(new DeletePermissionsBoundaryFromPermissionSetCommand(ref)), NOT_FOUND);
  await sso.send(new TagResourceCommand({ InstanceArn: instance.arn, ResourceArn: arn, Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })) }));
  if (remove.untag.length) await sso.send(new UntagResourceCommand({ InstanceArn: instance.arn, ResourceArn: arn, TagKeys: remove.untag }));
}

/**
 * A changed set reaches the accounts it is provisioned to only once provisioned again. One account at a time
 * per request, so that a failure names its account; every account is tried and the failures reported together.
 */
async function provisionEverywhere(ctx: ApplyContext, sso: SSOAdminClient, instance: Instance, arn: string, name: string): Promise<void> {
  const accounts: string[] = [];
  for await (const page of paginateListAccountsForProvisionedPermissionSet({ client: sso, pageSize: 100 }, { InstanceArn: instance.arn, PermissionSetArn: arn })) accounts.push(...(page.AccountIds ?? []));
  const limit = pLimit(PROVISION_CONCURRENCY);
  const failures: string[] = [];
  let done = 0;
  await Promise.all(
    accounts.map((accountId) =>
      limit(async () => {
        try {
          const out = await whenFree(ctx, () => sso.send(new ProvisionPermissionSetCommand({ InstanceArn: instance.arn, PermissionSetArn: arn, TargetType: 'AWS_ACCOUNT', TargetId: accountId })));
          const requestId = out.PermissionSetProvisioningStatus?.RequestId;
          if (requestId) {
            await waitFor(ctx, name, `provisioning to ${accountId}`, async () => {
              const s = (await sso.send(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instance.arn, ProvisionPermissionSetRequestId: requestId }))).PermissionSetProvisioningStatus;
              return { status: s?.Status, reason: s?.FailureReason };
            });
          }
        } catch (err) {
          failures.push(`${accountId}: ${err instanceof LzError ? err.message : errorSummary(err)}`);
        }
        done += 1;
        ctx.progress(name, `provisioned to ${done}/${accounts.length} accounts`);
      }),
    ),
  );
  if (failures.length) {
    throw new LzError('identity-center.provision-failed', `Permission set ${name} was not provisioned to ${failures.length} of ${accounts.length} accounts:\n  ${failures.join('\n  ')}`, {
      hint: 'fix what AWS said (a customer managed policy missing in the account, IAM quotas) and run apply again',
    });
  }
}

async function unassign(ctx: ApplyContext, sso: SSOAdminClient, instance: Instance, a: { permissionSetArn: string; principalType: 'GROUP' | 'USER'; principalId: string; accountId: string }): Promise<void> {
  const out = await ignoreCodes(
    whenFree(ctx, () =>
      sso.send(new DeleteAccountAssignmentCommand({ InstanceArn: instance.arn, PermissionSetArn: a.permissionSetArn, PrincipalType: a.principalType, PrincipalId: a.principalId, TargetType: 'AWS_ACCOUNT', TargetId: a.accountId })),
    ),
    NOT_FOUND,
  );
  const requestId = out?.AccountAssignmentDeletionStatus?.RequestId;
  if (!requestId) return;
  await waitFor(ctx, a.accountId, `removing an assignment`, async () => {
    const s = (await sso.send(new DescribeAccountAssignmentDeletionStatusCommand({ InstanceArn: instance.arn, AccountAssignmentDeletionRequestId: requestId }))).AccountAssignmentDeletionStatus;
    return { status: s?.Status, reason: s?.FailureReason };
  });
}

/** A set's ARN by name; only asked after the set's own change, so the answer is kept for the run. */
function setArn(ctx: ApplyContext, sso: SSOAdminClient, instance: Instance, name: string): Promise<string> {
  return ctx.aws.memo(`sso:set-arn:${instance.arn}:${name}`, async () => {
    const arn = await findSetArn(sso, instance, name);
    if (!arn) throw new LzError('identity-center.set-not-found', `Permission set ${name} does not exist; was it deleted since the plan?`, { hint: 'run lz plan again' });
    return arn;
  });
}

async function findSetArn(sso: SSOAdminClient, instance: Instance, name: string): Promise<string | undefined> {
  for await (const page of paginateListPermissionSets({ client: sso, pageSize: 100 }, { InstanceArn: instance.arn })) {
    for (const arn of page.PermissionSets ?? []) {
      const d = await sso.send(new DescribePermissionSetCommand({ InstanceArn: instance.arn, PermissionSetArn: arn }));
      if (d.PermissionSet?.Name === name) return arn;
    }
  }
  return undefined;
}

/** Runs `call`, waiting while Identity Center answers that the set or account is busy with another change. */
async function whenFree<T>(ctx: ApplyContext, call: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isError(err, ...BUSY) || Date.now() - started > ctx.waits.roleTimeout) throw err;
      await sleep(ctx.waits.pollInterval, undefined, { signal: ctx.signal });
    }
  }
}

/** Polls an asynchronous request (assignment, provisioning) until it succeeds; its failure reason is the error. */
async function waitFor(ctx: ApplyContext, subject: string, what: string, describe: () => Promise<{ status?: string; reason?: string }>): Promise<void> {
  const started = Date.now();
  for (;;) {
    const { status, reason } = await describe();
    if (status === 'SUCCEEDED') return;
    if (status === 'FAILED') throw new LzError('identity-center.request-failed', `${subject}: ${what} failed: ${reason ?? 'no reason given'}`);
    if (Date.now() - started > ctx.waits.roleTimeout) {
      throw new LzError('identity-center.timeout', `${subject}: ${what} is still ${status ?? 'pending'} after ${Math.round((Date.now() - started) / 1000)} s.`, { hint: 'run apply again later' });
    }
    ctx.progress(subject, `${what}: ${status ?? 'pending'}`);
    await sleep(ctx.waits.pollInterval, undefined, { signal: ctx.signal });
  }
}
