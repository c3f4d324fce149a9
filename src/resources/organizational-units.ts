import { CreateOrganizationalUnitCommand, paginateListOrganizationalUnitsForParent } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import { ORGANIZATIONS_PAGE } from '../aws/quotas.js';
import { defineOrganizationKind, type ApplyContext } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, Unmanaged } from '../core/plan.js';

export const unitAddress = (path: string) => `unit:${path}`;

export function parentPath(path: string): string | undefined {
  const i = path.lastIndexOf('/');
  return i < 0 ? undefined : path.slice(0, i);
}

/** Apply's instruction: the unit to create, by its full path (its parent is created first). */
const payload = z.strictObject({ path: z.string() });
type Payload = z.output<typeof payload>;

/** The declared OU tree exists; units the file does not name are reported and left alone. */
export const organizationalUnits = defineOrganizationKind<undefined, Payload>({
  kind: 'unit',
  permissions: { management: [reads('organizations:ListOrganizationalUnitsForParent'), writes('organizations:CreateOrganizationalUnit')] },
  payload,

  plan({ manifest, snapshot }) {
    const live = new Map(snapshot.units.map((u) => [u.path, u]));
    const creating = new Set<string>();
    const changes: Change<Payload>[] = [];
    // manifest.units lists parents before children, so a parent's change always precedes its children's.
    for (const path of manifest.units) {
      if (live.has(path)) continue;
      const parent = parentPath(path);
      const dependsOn = parent && creating.has(parent) ? [unitAddress(parent)] : [];
      changes.push({ address: unitAddress(path), kind: 'unit', action: 'create', before: null, after: { path }, payload: { path }, dependsOn });
      creating.add(path);
    }
    const declared = new Set(manifest.units);
    const unmanaged: Unmanaged[] = snapshot.units
      .filter((u) => !declared.has(u.path))
      .map((u) => ({ address: unitAddress(u.path), kind: 'unit', description: `organizational unit ${u.path} (${u.id})` }));
    return { changes, unmanaged };
  },

  async apply(ctx, { payload: { path } }) {
    const parent = parentPath(path);
    const name = path.slice(parent ? parent.length + 1 : 0);
    const parentId = parent ? ctx.index.unitIds.get(parent) : ctx.index.rootId;
    if (!parentId) throw new Error(`The parent of unit ${path} is not known; was it created?`);
    const created = await ignoreCodes(ctx.aws.management.organizations.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name })), ['DuplicateOrganizationalUnitException']);
    // Created by an earlier, interrupted run (or by hand since the plan): adopt it.
    const id = created ? created.OrganizationalUnit?.Id : await findUnit(ctx, parentId, name);
    if (!id) throw new Error(`Unit ${path} was not created`);
    ctx.index.unitIds.set(path, id);
  },
});

async function findUnit(ctx: ApplyContext, parentId: string, name: string): Promise<string | undefined> {
  for await (const page of paginateListOrganizationalUnitsForParent({ client: ctx.aws.management.organizations, pageSize: ORGANIZATIONS_PAGE }, { ParentId: parentId })) {
    const found = page.OrganizationalUnits?.find((u) => u.Name === name);
    if (found?.Id) return found.Id;
  }
  return undefined;
}
