import { accounts } from './accounts.js';
import { organization } from './organization.js';
import { organizationalUnits } from './organizational-units.js';
import type { AccountResource, OrganizationResource, ResourceKind } from './types.js';

/**
 * Every kind lz manages. Adding a baseline item is one module file plus one line here; the planner,
 * executor, renderer and drift code do not change. Order matters only for display.
 */
export interface Registry {
  organization: OrganizationResource[];
  account: AccountResource[];
}

export const defaultRegistry: Registry = {
  organization: [organization, organizationalUnits, accounts],
  account: [],
};

export function moduleFor(registry: Registry, kind: string): ResourceKind {
  const found = [...registry.organization, ...registry.account].find((m) => m.kind === kind);
  if (!found) throw new Error(`No resource module for kind ${kind}`);
  return found;
}
