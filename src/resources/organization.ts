import { CreateOrganizationCommand, DescribeOrganizationCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import { defineOrganizationKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import { ORGANIZATION_ADDRESS } from '../core/organization.js';
import { noChanges } from '../core/plan.js';

/** Apply's instruction: create the organization with this feature set. */
const payload = z.strictObject({ featureSet: z.literal('ALL') });
type Payload = z.output<typeof payload>;

/** The organization exists with all features, so that the accounts can be governed (SCPs, trusted access). */
export const organization = defineOrganizationKind<undefined, Payload>({
  kind: 'organization',
  permissions: {
    management: [
      reads('organizations:DescribeOrganization', 'organizations:ListRoots'),
      writes('organizations:CreateOrganization'),
      { ...writes('iam:CreateServiceLinkedRole'), madeByAws: 'CreateOrganization creates AWSServiceRoleForOrganizations with the caller\'s permissions' },
    ],
  },
  payload,

  plan({ snapshot }) {
    const live = snapshot.organization;
    if (!live) {
      return {
        changes: [
          {
            address: ORGANIZATION_ADDRESS,
            kind: 'organization',
            action: 'create',
            before: null,
            after: { featureSet: 'ALL', managementAccountId: snapshot.callerAccountId },
            payload: { featureSet: 'ALL' },
          },
        ],
        unmanaged: [],
      };
    }
    if (live.featureSet !== 'ALL') {
      return {
        changes: [
          {
            address: ORGANIZATION_ADDRESS,
            kind: 'organization',
            action: 'manual',
            step: 'organization without all features',
            before: { featureSet: live.featureSet },
            after: { featureSet: 'ALL' },
            instructions:
              'Enable all features: every member account must accept the handshake (Organizations console > Settings > Enable all features). lz does not start it because it needs every account owner.',
          },
        ],
        unmanaged: [],
      };
    }
    return noChanges();
  },

  async apply(ctx, { payload: { featureSet } }) {
    const org = ctx.aws.management.organizations;
    // A crash after CreateOrganization succeeded leaves nothing to do but learn the ids.
    await ignoreCodes(org.send(new CreateOrganizationCommand({ FeatureSet: featureSet })), ['AlreadyInOrganizationException']);
    const described = await org.send(new DescribeOrganizationCommand({}));
    const roots = await org.send(new ListRootsCommand({}));
    ctx.index.organizationId = described.Organization?.Id;
    ctx.index.managementAccountId = described.Organization?.MasterAccountId ?? ctx.index.managementAccountId;
    ctx.index.rootId = roots.Roots?.[0]?.Id;
  },
});
