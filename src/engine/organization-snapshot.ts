import {
  DescribeOrganizationCommand,
  ListRootsCommand,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListTagsForResource,
  type Account,
} from '@aws-sdk/client-organizations';
import type { AwsContext } from '../aws/context.js';
import { isError } from '../aws/aws-errors.js';
import { ORGANIZATIONS_PAGE } from '../aws/quotas.js';
import { LzError } from '../errors.js';
import { reads, type Permissions } from '../core/permissions.js';
import type { LiveAccount, LiveOrganization, LiveUnit, OrganizationSnapshot } from '../core/organization.js';

/** What the organization's shared read calls, with the management account's principal. */
export const SNAPSHOT_PERMISSIONS: Permissions = {
  management: [
    reads(
      'organizations:DescribeOrganization',
      'organizations:ListRoots',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListAccountsForParent',
      'organizations:ListTagsForResource',
    ),
  ],
};

/**
 * Reads the organization's tree top-down: units level by level, and each parent's accounts with
 * ListAccountsForParent. That yields every account with its place in one call per 20 accounts, where
 * ListAccounts followed by ListParents per account would cost one more call per account.
 */
export async function readOrganization(
  aws: AwsContext,
  /** Called with each page of accounts as it arrives, so their own reads can start before the listing ends. */
  onAccounts?: (accounts: LiveAccount[], organization: LiveOrganization) => void,
): Promise<OrganizationSnapshot> {
  const org = aws.management.organizations;
  const caller = await aws.callerIdentity();
  let description;
  try {
    description = (await org.send(new DescribeOrganizationCommand({}))).Organization;
  } catch (err) {
    if (!isError(err, 'AWSOrganizationsNotInUseException')) throw err;
  }
  if (!description) return { callerAccountId: caller.account, units: [], accounts: [] };
  if (description.MasterAccountId !== caller.account) {
    throw new LzError('not-management-account', `lz runs as ${caller.arn} in account ${caller.account}, a member of organization ${description.Id}; it must run with the management account's (${description.MasterAccountId}) credentials.`, {
      hint: 'Use a profile or role in the management account (--profile, AWS_PROFILE, or the credentials in the environment).',
    });
  }
  const roots = await org.send(new ListRootsCommand({}));
  const root = roots.Roots?.[0];
  if (!root?.Id) throw new Error('The organization has no root');
  const organization: LiveOrganization = {
    id: description.Id ?? '',
    arn: description.Arn ?? '',
    featureSet: description.FeatureSet ?? 'ALL',
    managementAccountId: description.MasterAccountId ?? '',
    rootId: root.Id,
  };

  const units: LiveUnit[] = [];
  let level: { id: string; path: string | undefined }[] = [{ id: root.Id, path: undefined }];
  const parents = [...level];
  while (level.length > 0) {
    const next = await Promise.all(
      level.map(async (parent) => {
        const found: LiveUnit[] = [];
        for await (const page of paginateListOrganizationalUnitsForParent({ client: org, pageSize: ORGANIZATIONS_PAGE }, { ParentId: parent.id })) {
          for (const ou of page.OrganizationalUnits ?? []) {
            const path = parent.path ? `${parent.path}/${ou.Name}` : (ou.Name ?? '');
            found.push({ id: ou.Id ?? '', name: ou.Name ?? '', path, parentId: parent.id });
          }
        }
        return found;
      }),
    );
    level = next.flat().map((u) => ({ id: u.id, path: u.path }));
    units.push(...next.flat());
    parents.push(...level);
  }

  const accounts = (
    await Promise.all(
      parents.map(async (parent) => {
        const found: LiveAccount[] = [];
        for await (const page of paginateListAccountsForParent({ client: org, pageSize: ORGANIZATIONS_PAGE }, { ParentId: parent.id })) {
          const accounts = (page.Accounts ?? []).map((a) => liveAccount(a, parent.path));
          found.push(...accounts);
          onAccounts?.(accounts, organization);
        }
        return found;
      }),
    )
  ).flat();

  return { callerAccountId: caller.account, organization, units, accounts };
}

function liveAccount(a: Account, unit: string | undefined): LiveAccount {
  return { id: a.Id ?? '', name: a.Name ?? '', email: a.Email ?? '', status: a.State ?? a.Status ?? 'ACTIVE', unit };
}

/** Tags are read only for the accounts the file names: unmanaged accounts' tags are none of lz's business. */
export async function readTags(aws: AwsContext, account: LiveAccount): Promise<void> {
  const tags: Record<string, string> = {};
  for await (const page of paginateListTagsForResource({ client: aws.management.organizations, pageSize: ORGANIZATIONS_PAGE }, { ResourceId: account.id })) {
    for (const t of page.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  }
  account.tags = tags;
}
