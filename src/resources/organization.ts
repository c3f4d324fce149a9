import { CreateOrganizationCommand, DescribeOrganizationCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import { isError } from '../aws/aws-errors.js';
import type { OrganizationResource } from './types.js';

export const ORGANIZATION_ADDRESS = 'organization';

/** The organization exists with all features, so that the accounts can be governed (SCPs, trusted access). */
export const organization: OrganizationResource = {
  kind: 'organization',
  scope: 'organization',

  plan({ snapshot }) {
    const live = snapshot.organization;
    if (!live) {
      return {
        changes: [{ address: ORGANIZATION_ADDRESS, kind: 'organization', action: 'create', before: null, after: { featureSet: 'ALL', managementAccountId: snapshot.callerAccountId } }],
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
            before: { featureSet: live.featureSet },
            after: { featureSet: 'ALL' },
            instructions:
              'Enable all features: every member account must accept the handshake (Organizations console > Settings > Enable all features). lz does not start it because it needs every account owner.',
          },
        ],
        unmanaged: [],
      };
    }
    return { changes: [], unmanaged: [] };
  },

  async apply(ctx) {
    const org = ctx.aws.management.organizations;
    try {
      await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    } catch (err) {
      // A crash after CreateOrganization succeeded leaves nothing to do but learn the ids.
      if (!isError(err, 'AlreadyInOrganizationException')) throw err;
    }
    const described = await org.send(new DescribeOrganizationCommand({}));
    const roots = await org.send(new ListRootsCommand({}));
    ctx.index.organizationId = described.Organization?.Id;
    ctx.index.managementAccountId = described.Organization?.MasterAccountId ?? ctx.index.managementAccountId;
    ctx.index.rootId = roots.Roots?.[0]?.Id;
  },
};
