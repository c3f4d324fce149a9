import * as z from 'zod';
import type { OrganizationPlanInput } from '../../core/module.js';
import type { Change, Finding, PlanOutput, Unmanaged } from '../../core/plan.js';
import { canonical, parsedJson } from '../../core/values.js';
import { accountAddress } from '../../core/organization.js';
import { unitAddress } from '../organizational-units.js';
import type { LivePolicies, LivePolicy } from './live.js';
import type { PolicyTypeFacts } from './policy-types.js';
import { ROOT_TARGET, allowsSomething, targetName, type DesiredPolicy } from './section.js';

/** Apply's instruction for one change of a policy kind. */
export const policyPayload = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('enable-type'), type: z.string() }),
  z.strictObject({ op: z.literal('create'), type: z.string(), name: z.string(), description: z.string(), content: z.string() }),
  z.strictObject({ op: z.literal('update'), id: z.string(), description: z.string(), content: z.string() }),
  z.strictObject({ op: z.literal('delete'), id: z.string(), targetIds: z.array(z.string()) }),
  // A policy created in the same apply has no id in the plan: apply finds it by name.
  z.strictObject({ op: z.literal('attach'), type: z.string(), policy: z.string(), policyId: z.string().optional(), target: z.string() }),
  z.strictObject({ op: z.literal('detach'), policyId: z.string(), target: z.string() }),
]);
export type PolicyPayload = z.output<typeof policyPayload>;

/** What a policy kind's read returns: the live policies, and the checker's findings on each document to be written. */
export interface PolicyLive {
  live: LivePolicies;
  findings: Map<string, Finding[]>;
}

export const policyTypeAddress = (facts: PolicyTypeFacts) => `policy-type:${facts.type}`;
export const policyAddress = (facts: PolicyTypeFacts, name: string) => `${facts.prefix}:${name}`;
const attachmentAddress = (facts: PolicyTypeFacts, name: string, target: string) => `${policyAddress(facts, name)}@${target}`;



/**
 * Pure: the changes that make one policy type match the file. Policies are matched by name within the type;
 * documents are compared as JSON values (whitespace AWS keeps is not drift); attachments of a policy the file
 * names are made exactly as its `attach` says, among the targets the file names (the root, its units, its
 * accounts); attachments elsewhere are reported. A policy the file does not name is reported, and deleted with
 * --prune only when lz made it.
 */
export function planPolicies(facts: PolicyTypeFacts, desired: DesiredPolicy[], input: OrganizationPlanInput, read: PolicyLive | undefined): PlanOutput<PolicyPayload> {
  const changes: Change<PolicyPayload>[] = [];
  const unmanaged: Unmanaged[] = [];
  const live = read?.live ?? { policies: [] };
  const targetKey = targetKeys(input);
  // A targeted plan (--target, lz onboard) attaches to the accounts it targets only; units and the root always.
  const scopedAccounts = new Set(input.matches.map((m) => accountAddress(m.declared.name)));
  const inScope = (target: string) => !target.startsWith('account:') || scopedAccounts.has(target);

  // PENDING_ENABLE counts as not yet enabled: apply's enable is a no-op then, and waits for ENABLED before attaching.
  const enabling = desired.length > 0 && live.status !== 'ENABLED';
  const typeAddress = policyTypeAddress(facts);
  if (enabling) {
    changes.push({ address: typeAddress, kind: facts.kind, action: 'create', before: null, after: { policyType: facts.type, root: 'enabled' }, payload: { op: 'enable-type', type: facts.type } });
  }
  const afterType = enabling ? [typeAddress] : [];

  const customer = new Map(live.policies.filter((p) => !p.awsManaged).map((p) => [p.name, p]));
  const managed = new Map(live.policies.filter((p) => p.awsManaged).map((p) => [p.name, p]));
  // Which targets get a policy that allows something: the allow-all policy leaves a target only after that.
  const allowingAttachments = new Map<string, string[]>();
  for (const d of desired) {
    if (d.awsManaged || !allowsSomething(d.document)) continue;
    for (const t of d.targets) allowingAttachments.set(t, [...(allowingAttachments.get(t) ?? []), attachmentAddress(facts, d.name, t)]);
  }

  for (const want of desired) {
    const address = policyAddress(facts, want.name);
    const have: LivePolicy | undefined = want.awsManaged ? managed.get(want.name) : customer.get(want.name);
    const findings = read?.findings.get(want.name);
    let creating = false;
    if (!want.awsManaged) {
      const document = want.document!;
      if (!have) {
        creating = true;
        changes.push({
          address,
          kind: facts.kind,
          action: 'create',
          before: null,
          after: { type: facts.type, description: want.description, document: document.value },
          payload: { op: 'create', type: facts.type, name: want.name, description: want.description, content: document.content },
          dependsOn: afterType,
          ...(findings?.length ? { findings } : {}),
        });
      } else {
        const before = parsedJson(have.content);
        const fields = [
          ...(have.description !== want.description ? [{ field: 'description', before: have.description, after: want.description }] : []),
          ...(canonical(before) !== canonical(document.value) ? [{ field: 'document', before, after: document.value }] : []),
        ];
        if (fields.length > 0) {
          changes.push({
            address,
            kind: facts.kind,
            action: 'update',
            before: { description: have.description, document: before },
            after: { description: want.description, document: document.value },
            fields,
            payload: { op: 'update', id: have.id, description: want.description, content: document.content },
            ...(findings?.length ? { findings } : {}),
          });
        }
      }
    }
    const liveTargets = new Set<string>();
    for (const id of have?.targetIds ?? []) {
      const t = targetKey(id);
      if (!t.declared) {
        // AWS attaches its allow-all policy to every OU and account: where the file names none, that is AWS's default.
        if (want.awsManaged) continue;
        unmanaged.push({ address: `${address}@${id}`, kind: facts.kind, description: `${facts.title} ${want.name} is attached to ${t.name}, which accounts.yaml does not name (left attached)` });
        continue;
      }
      liveTargets.add(t.key);
    }
    for (const target of want.targets) {
      if (liveTargets.has(target) || !inScope(target)) continue;
      changes.push({
        address: attachmentAddress(facts, want.name, target),
        kind: facts.kind,
        action: 'create',
        before: null,
        after: { attach: want.name, to: targetName(target) },
        payload: { op: 'attach', type: facts.type, policy: want.name, ...(have ? { policyId: have.id } : {}), target },
        // The target's own address (a unit or account created in this apply) orders it after its creation;
        // the executor ignores addresses that are not in the plan.
        dependsOn: [...afterType, ...(creating ? [address] : []), ...(target === ROOT_TARGET ? [] : [target])],
      });
    }
    for (const target of liveTargets) {
      if (want.targets.includes(target) || !have) continue;
      changes.push({
        address: attachmentAddress(facts, want.name, target),
        kind: facts.kind,
        action: 'delete',
        before: { attach: want.name, to: targetName(target) },
        after: null,
        payload: { op: 'detach', policyId: have.id, target },
        // Never leave a target with nothing that allows: what replaces the allow-all policy is attached first.
        ...(want.awsManaged ? { dependsOn: allowingAttachments.get(target) ?? [] } : {}),
      });
    }
  }

  const declared = new Set(desired.map((d) => d.name));
  for (const have of live.policies) {
    if (have.awsManaged || declared.has(have.name)) continue;
    const address = policyAddress(facts, have.name);
    if (have.madeByLz && input.prune) {
      changes.push({
        address,
        kind: facts.kind,
        action: 'delete',
        before: { description: have.description, document: parsedJson(have.content), attachedTo: (have.targetIds ?? []).map((id) => targetKey(id).name) },
        after: null,
        payload: { op: 'delete', id: have.id, targetIds: have.targetIds ?? [] },
      });
      continue;
    }
    const attached = have.targetIds?.length ? `, attached to ${have.targetIds.map((id) => targetKey(id).name).join(', ')}` : '';
    unmanaged.push({
      address,
      kind: facts.kind,
      description: have.madeByLz
        ? `${facts.title} ${have.name} (${have.id}) that lz made and accounts.yaml no longer names${attached}`
        : `${facts.title} ${have.name} (${have.id})${attached}: not made by lz, never changed or deleted by it`,
      ...(have.madeByLz ? { prunable: true } : {}),
    });
  }
  return { changes, unmanaged };
}


/** Live target ids as the file's addresses (`root`, `unit:P`, `account:N`), and whether the file names them. */
function targetKeys(input: OrganizationPlanInput): (id: string) => { key: string; name: string; declared: boolean } {
  const declaredUnits = new Set(input.manifest.units);
  const units = new Map(input.snapshot.units.map((u) => [u.id, u.path]));
  const accounts = new Map(input.matches.flatMap((m) => (m.live ? [[m.live.id, m.declared.name] as const] : [])));
  const others = new Map(input.unmatched.map((a) => [a.id, a.name]));
  return (id) => {
    if (id === input.snapshot.organization?.rootId) return { key: ROOT_TARGET, name: 'root', declared: true };
    const path = units.get(id);
    if (path !== undefined) return { key: unitAddress(path), name: `unit ${path}`, declared: declaredUnits.has(path) };
    const account = accounts.get(id);
    if (account !== undefined) return { key: accountAddress(account), name: `account ${account}`, declared: true };
    return { key: id, name: `account ${others.get(id) ?? id} (${id})`, declared: false };
  };
}
