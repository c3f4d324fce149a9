import type { ManifestOrganizationFields, OrganizationPlanInput } from '../../core/module.js';
import type { OrganizationSection } from '../../manifest/sections.js';
import { parsedJson } from '../../core/values.js';
import type { PolicyLive } from './plan.js';
import type { PolicyTypeFacts } from './policy-types.js';
import { QUARANTINE_POLICY } from './section.js';

/**
 * `lz import`: every policy of the type lz made, its document inline and its attachments to the root, units
 * and accounts the file names, so that a plan on the written file has no change. AWS's allow-all policy is left
 * to AWS (it is attached everywhere by default); see the note.
 */
export function importPolicies(facts: PolicyTypeFacts, section: OrganizationSection<unknown>, read: PolicyLive | undefined, input: OrganizationPlanInput): ManifestOrganizationFields | undefined {
  // The quarantine's policy is lz's while the file marks an account closed: the file does not name it then.
  const closing = input.manifest.accounts.some((a) => a.closed);
  // Only what lz made (its tag, read for the policies the file does not name yet, or named already by an
  // earlier pass): a policy someone else made stays theirs, and the note names it, as with every kind.
  const named = new Set(((section.of(input.manifest) as { name: string }[] | undefined) ?? []).map((e) => e.name));
  const policies = (read?.live.policies ?? []).filter((p) => !p.awsManaged && (p.madeByLz || named.has(p.name)) && !(closing && p.name === QUARANTINE_POLICY));
  if (policies.length === 0) return undefined;
  const units = new Map(input.snapshot.units.filter((u) => input.manifest.units.includes(u.path)).map((u) => [u.id, u.path]));
  const accounts = new Map(input.matches.flatMap((m) => (m.live ? [[m.live.id, m.declared.name] as const] : [])));
  const rootId = input.snapshot.organization?.rootId;
  const entries = policies.map((p) => {
    const ids = p.targetIds ?? [];
    const attachedUnits = ids.flatMap((id) => (units.has(id) ? [units.get(id)!] : []));
    const attachedAccounts = ids.flatMap((id) => (accounts.has(id) ? [accounts.get(id)!] : []));
    return {
      name: p.name,
      ...(p.description ? { description: p.description } : {}),
      document: parsedJson(p.content),
      attach: { ...(ids.includes(rootId ?? '') ? { root: true } : {}), ...(attachedUnits.length ? { units: attachedUnits } : {}), ...(attachedAccounts.length ? { accounts: attachedAccounts } : {}) },
    };
  });
  return section.fields(entries);
}

export function importNotes(facts: PolicyTypeFacts, section: OrganizationSection<unknown>, read: PolicyLive | undefined, input: OrganizationPlanInput): string[] {
  const notes: string[] = [];
  const named = new Set(((section.of(input.manifest) as { name: string }[] | undefined) ?? []).map((e) => e.name));
  for (const p of read?.live.policies ?? []) {
    if (p.awsManaged || p.madeByLz || named.has(p.name)) continue;
    notes.push(`${facts.title} ${p.name} (${p.id}) was not made by lz (no lz:managed tag) and is left out; to have lz keep it, add it to organization.${facts.key} (lz then keeps its document and attachments, and never deletes it).`);
  }
  if (facts.allowAll && read?.live.status === 'ENABLED') {
    notes.push(
      `${facts.allowAll.name} (AWS's allow-all ${facts.title}) is left out: lz leaves it where AWS attached it. If it was detached anywhere, declare it with awsManaged: true and its attach list (docs/guardrails.md).`,
    );
  }
  return notes;
}
