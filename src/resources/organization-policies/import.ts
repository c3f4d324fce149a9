import type { ManifestOrganizationFields, OrganizationPlanInput } from '../../core/module.js';
import type { OrganizationSection } from '../../manifest/sections.js';
import type { PolicyLive } from './plan.js';
import type { PolicyTypeFacts } from './policy-types.js';
import { QUARANTINE_POLICY } from './section.js';

/**
 * `lz import`: every customer policy of the type, its document inline and its attachments to the root, units
 * and accounts the file names, so that a plan on the written file has no change. AWS's allow-all policy is left
 * to AWS (it is attached everywhere by default); see the note.
 */
export function importPolicies(facts: PolicyTypeFacts, section: OrganizationSection<unknown>, read: PolicyLive | undefined, input: OrganizationPlanInput): ManifestOrganizationFields | undefined {
  // The quarantine's policy is lz's while the file marks an account closed: the file does not name it then.
  const closing = input.manifest.accounts.some((a) => a.closed);
  const policies = (read?.live.policies ?? []).filter((p) => !p.awsManaged && !(closing && p.name === QUARANTINE_POLICY));
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
      document: documentOf(p.content),
      attach: { ...(ids.includes(rootId ?? '') ? { root: true } : {}), ...(attachedUnits.length ? { units: attachedUnits } : {}), ...(attachedAccounts.length ? { accounts: attachedAccounts } : {}) },
    };
  });
  return section.fields(entries);
}

export function importNotes(facts: PolicyTypeFacts, read: PolicyLive | undefined): string[] {
  const notes: string[] = [];
  if (facts.allowAll && read?.live.status === 'ENABLED') {
    notes.push(
      `${facts.allowAll.name} (AWS's allow-all ${facts.title}) is left out: lz leaves it where AWS attached it. If it was detached anywhere, declare it with awsManaged: true and its attach list (docs/guardrails.md).`,
    );
  }
  return notes;
}

/** The document as a YAML mapping when it is JSON (it always is for a policy AWS accepted), else the text. */
function documentOf(content: string | undefined): unknown {
  try {
    return JSON.parse(content ?? '') as unknown;
  } catch {
    return content ?? '';
  }
}
