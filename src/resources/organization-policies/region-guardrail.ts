import type { Manifest } from '../../manifest/types.js';
import { SERVICE_CONTROL } from './policy-types.js';
import { policySection } from './section.js';

export const serviceControlSection = policySection(SERVICE_CONTROL);

/**
 * The Regions the file's allowed-regions guardrails leave open to an account: the intersection of every such
 * preset attached to the root, to a unit the account is in (at any depth), or to the account; undefined when
 * none applies. Policies written by hand are not interpreted (IAM Access Analyzer sees those in plan).
 */
export function regionsAllowedFor(manifest: Manifest, account: { name: string; unit?: string }): ReadonlySet<string> | undefined {
  let allowed: Set<string> | undefined;
  for (const entry of serviceControlSection.of({ manifest }) ?? []) {
    if (entry.preset !== 'allowed-regions') continue;
    const { attach } = entry;
    const applies =
      attach.root ||
      attach.accounts.includes(account.name) ||
      (account.unit !== undefined && attach.units.some((u) => account.unit === u || account.unit!.startsWith(`${u}/`)));
    if (!applies) continue;
    const regions = new Set(entry.regions ?? []);
    allowed = allowed ? new Set([...allowed].filter((r) => regions.has(r))) : regions;
  }
  return allowed;
}
