import {
  ListParentsCommand,
  paginateListAccounts,
  paginateListOrganizationalUnitsForParent,
  paginateListTagsForResource,
  ListRootsCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';

/** What AWS (the sandbox) holds, read back through the SDK: for assertions, never the tool's own view. */
export interface HeldAccount {
  id: string;
  name: string;
  email: string;
  /** OU path, '(root)' for the root. */
  unit: string;
  tags: Record<string, string>;
}

export async function unitPaths(org: OrganizationsClient): Promise<Map<string, string>> {
  const root = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const paths = new Map<string, string>([[root, '(root)']]);
  const queue: [string, string | undefined][] = [[root, undefined]];
  while (queue.length > 0) {
    const [id, path] = queue.shift()!;
    for await (const page of paginateListOrganizationalUnitsForParent({ client: org }, { ParentId: id })) {
      for (const ou of page.OrganizationalUnits ?? []) {
        const p = path ? `${path}/${ou.Name}` : ou.Name!;
        paths.set(ou.Id!, p);
        queue.push([ou.Id!, p]);
      }
    }
  }
  return paths;
}

/** Each held account's id by its name. */
export async function accountIds(org: OrganizationsClient): Promise<Record<string, string>> {
  return Object.fromEntries((await heldAccounts(org)).map((a) => [a.name, a.id]));
}

export async function heldAccounts(org: OrganizationsClient): Promise<HeldAccount[]> {
  const paths = await unitPaths(org);
  const out: HeldAccount[] = [];
  for await (const page of paginateListAccounts({ client: org }, {})) {
    for (const a of page.Accounts ?? []) {
      const parent = (await org.send(new ListParentsCommand({ ChildId: a.Id! }))).Parents![0]!.Id!;
      const tags: Record<string, string> = {};
      for await (const t of paginateListTagsForResource({ client: org }, { ResourceId: a.Id! })) {
        for (const tag of t.Tags ?? []) tags[tag.Key!] = tag.Value!;
      }
      out.push({ id: a.Id!, name: a.Name!, email: a.Email!, unit: paths.get(parent) ?? parent, tags });
    }
  }
  return out;
}
