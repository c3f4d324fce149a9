import { CreateOrganizationalUnitCommand, paginateListOrganizationalUnitsForParent } from '@aws-sdk/client-organizations';
import { isError } from '../aws/aws-errors.js';
import { ORGANIZATIONS_PAGE } from '../aws/quotas.js';
import type { Change, Unmanaged } from '../engine/plan.js';
import type { ApplyContext, OrganizationResource } from './types.js';

export const unitAddress = (path: string) => `unit:${path}`;

export function parentPath(path: string): string | undefined {
  const i = path.lastIndexOf('/');
  return i < 0 ? undefined : path.slice(0, i);
}

export interface UnitAfter {
  path: string;
}

/** The declared OU tree exists; units the file does not name are reported and left alone. */
export const organizationalUnits: OrganizationResource = {
  kind: 'unit',
  scope: 'organization',

  plan({ manifest, snapshot }) {
    const live = new Map(snapshot.units.map((u) => [u.path, u]));
    const creating = new Set<string>();
    const changes: Change[] = [];
    // manifest.units lists parents before children, so a parent's change always precedes its children's.
    for (const path of manifest.units) {
      if (live.has(path)) continue;
      const parent = parentPath(path);
      const after: UnitAfter = { path };
      const dependsOn = parent && creating.has(parent) ? [unitAddress(parent)] : [];
      changes.push({ address: unitAddress(path), kind: 'unit', action: 'create', before: null, after, dependsOn });
      creating.add(path);
    }
    const declared = new Set(manifest.units);
    const unmanaged: Unmanaged[] = snapshot.units
      .filter((u) => !declared.has(u.path))
      .map((u) => ({ address: unitAddress(u.path), kind: 'unit', description: `organizational unit ${u.path} (${u.id})` }));
    return { changes, unmanaged };
  },

  async apply(ctx, change) {
    const want = change.after as UnitAfter;
    const parent = parentPath(want.path);
    const name = want.path.slice(parent ? parent.length + 1 : 0);
    const parentId = parent ? ctx.index.unitIds.get(parent) : ctx.index.rootId;
    if (!parentId) throw new Error(`The parent of unit ${want.path} is not known; was it created?`);
    let id: string | undefined;
    try {
      const out = await ctx.aws.management.organizations.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }));
      id = out.OrganizationalUnit?.Id;
    } catch (err) {
      // Created by an earlier, interrupted run (or by hand since the plan): adopt it.
      if (!isError(err, 'DuplicateOrganizationalUnitException')) throw err;
      id = await findUnit(ctx, parentId, name);
    }
    if (!id) throw new Error(`Unit ${want.path} was not created`);
    ctx.index.unitIds.set(want.path, id);
  },
};

async function findUnit(ctx: ApplyContext, parentId: string, name: string): Promise<string | undefined> {
  for await (const page of paginateListOrganizationalUnitsForParent({ client: ctx.aws.management.organizations, pageSize: ORGANIZATIONS_PAGE }, { ParentId: parentId })) {
    const found = page.OrganizationalUnits?.find((u) => u.Name === name);
    if (found?.Id) return found.Id;
  }
  return undefined;
}
