import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  UpdatePolicyCommand,
  paginateListPolicies,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import { ignoreCodes } from '../../aws/aws-errors.js';
import { ORGANIZATIONS_PAGE } from '../../aws/quotas.js';
import type { ApplyContext } from '../../core/module.js';
import { MANAGED_BY_TAG } from '../../core/reconcile.js';
import { LzError } from '../../errors.js';
import type { PolicyPayload } from './plan.js';
import { ROOT_TARGET } from './section.js';

/** The value of lz's managed-by tag on the policies it creates. */
const POLICY_TAG_VALUE = 'organization-policy';

/** Carries out one change of a policy kind; each step is safe to repeat after a crash. */
export async function applyPolicyChange(ctx: ApplyContext, payload: PolicyPayload): Promise<void> {
  const org = ctx.aws.management.organizations;
  switch (payload.op) {
    case 'enable-type': {
      const rootId = ctx.index.rootId;
      if (!rootId) throw new LzError('policy-no-root', `Cannot enable ${payload.type}: the organization's root is not known yet.`);
      await ignoreCodes(org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: payload.type as PolicyType })), ['PolicyTypeAlreadyEnabledException']);
      await waitEnabled(ctx, rootId, payload.type);
      return;
    }
    case 'create': {
      const created = await ignoreCodes(
        org.send(
          new CreatePolicyCommand({
            Name: payload.name,
            Description: payload.description,
            Content: payload.content,
            Type: payload.type as PolicyType,
            Tags: [{ Key: MANAGED_BY_TAG, Value: POLICY_TAG_VALUE }],
          }),
        ),
        ['DuplicatePolicyException'],
      );
      // Created by an interrupted run (or since the plan): make it what the file says.
      if (!created) await org.send(new UpdatePolicyCommand({ PolicyId: await policyId(ctx, payload.type, payload.name), Description: payload.description, Content: payload.content }));
      return;
    }
    case 'update':
      await org.send(new UpdatePolicyCommand({ PolicyId: payload.id, Description: payload.description, Content: payload.content }));
      return;
    case 'attach': {
      const id = payload.policyId ?? (await policyId(ctx, payload.type, payload.policy));
      await ignoreCodes(org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: targetId(ctx, payload.target) })), ['DuplicatePolicyAttachmentException']);
      return;
    }
    case 'detach':
      await ignoreCodes(org.send(new DetachPolicyCommand({ PolicyId: payload.policyId, TargetId: targetId(ctx, payload.target) })), ['PolicyNotAttachedException']);
      return;
    case 'delete':
      // Organizations refuses to delete a policy still attached somewhere.
      for (const target of payload.targetIds) {
        await ignoreCodes(org.send(new DetachPolicyCommand({ PolicyId: payload.id, TargetId: target })), ['PolicyNotAttachedException', 'TargetNotFoundException']);
      }
      await ignoreCodes(org.send(new DeletePolicyCommand({ PolicyId: payload.id })), ['PolicyNotFoundException']);
      return;
  }
}

/** The id of a target named by its address in the file; units and accounts created in this apply included. */
function targetId(ctx: ApplyContext, target: string): string {
  const id =
    target === ROOT_TARGET ? ctx.index.rootId : target.startsWith('unit:') ? ctx.index.unitIds.get(target.slice(5)) : ctx.index.accountIds.get(target.slice(8));
  if (!id) throw new LzError('policy-target-unknown', `Cannot attach to ${target}: it has no id yet (was it created?).`);
  return id;
}

async function policyId(ctx: ApplyContext, type: string, name: string): Promise<string> {
  for await (const page of paginateListPolicies({ client: ctx.aws.management.organizations, pageSize: ORGANIZATIONS_PAGE }, { Filter: type as PolicyType })) {
    const found = page.Policies?.find((p) => p.Name === name && !p.AwsManaged);
    if (found?.Id) return found.Id;
  }
  throw new LzError('policy-not-found', `The ${type} policy ${name} does not exist; was it deleted since the plan?`, { hint: 'run lz plan again' });
}

/** EnablePolicyType answers while the type is PENDING_ENABLE; attaching needs it ENABLED. */
async function waitEnabled(ctx: ApplyContext, rootId: string, type: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    const roots = await ctx.aws.management.organizations.send(new ListRootsCommand({}));
    const status = roots.Roots?.find((r) => r.Id === rootId)?.PolicyTypes?.find((t) => t.Type === type)?.Status;
    if (status === 'ENABLED') return;
    if (Date.now() - started > ctx.waits.roleTimeout) {
      throw new LzError('policy-type-timeout', `${type} is still ${status ?? 'not enabled'} on the root after ${Math.round((Date.now() - started) / 1000)} s.`, { hint: 'run apply again later' });
    }
    ctx.progress('organization', `waiting for ${type} to be enabled (${status ?? 'pending'})`);
    await sleep(ctx.waits.pollInterval, undefined, { signal: ctx.signal });
  }
}
