import {
  DisableOrganizationsRootCredentialsManagementCommand,
  DisableOrganizationsRootSessionsCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  ListOrganizationsFeaturesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { isError } from '../aws/aws-errors.js';
import type { Change, FieldChange, Unmanaged } from '../engine/plan.js';
import { IAM_PRINCIPAL, modelFor, tolerantRead } from './organization-services.js';
import { serviceAccess, serviceAccessAddress } from './trusted-access.js';
import type { OrganizationResource } from './types.js';

export const ROOT_ACCESS_ADDRESS = 'root-access';
export const ROOT_FEATURES = ['RootCredentialsManagement', 'RootSessions'] as const;

export interface RootAccessState {
  RootCredentialsManagement: boolean;
  RootSessions: boolean;
}

/** ListOrganizationsFeatures; nothing is enabled while trusted access for IAM (or the organization) is missing. */
async function readFeatures(iam: IAMClient): Promise<RootAccessState> {
  try {
    const out = await iam.send(new ListOrganizationsFeaturesCommand({}));
    const on = new Set(out.EnabledFeatures ?? []);
    return { RootCredentialsManagement: on.has('RootCredentialsManagement'), RootSessions: on.has('RootSessions') };
  } catch (err) {
    if (isError(err, 'ServiceAccessNotEnabledException', 'OrganizationNotFoundException', 'OrganizationNotInAllFeaturesModeException')) {
      return { RootCredentialsManagement: false, RootSessions: false };
    }
    throw err;
  }
}

/**
 * Centralized root access for member accounts (IAM): RootCredentialsManagement (the management account
 * may delete, audit and allow recovery of member accounts' root credentials) and RootSessions (it may run
 * privileged root tasks in them through sts:AssumeRoot). Needs trusted access for iam.amazonaws.com first.
 * Features enabled while the file does not ask for them are reported; --prune disables them.
 */
export const rootAccess: OrganizationResource = {
  kind: 'root-access',
  scope: 'organization',

  async read(ctx): Promise<RootAccessState> {
    const none = { RootCredentialsManagement: false, RootSessions: false };
    if (!ctx.snapshot.organization) return none;
    // Without trusted access for IAM no feature can be on; asking would only earn an error.
    if (!(await serviceAccess(ctx)).has(IAM_PRINCIPAL)) return none;
    const model = modelFor(ctx, ctx.aws.options.region);
    return tolerantRead(ctx, model.rootAccess, 'IAM organization features', () => readFeatures(ctx.aws.management.iam), none);
  },

  plan(input) {
    const model = modelFor(input, '');
    const have = (input.live?.get('root-access') as RootAccessState | undefined) ?? { RootCredentialsManagement: false, RootSessions: false };
    const changes: Change[] = [];
    const unmanaged: Unmanaged[] = [];
    const enabled = ROOT_FEATURES.filter((f) => have[f]);
    if (model.rootAccess) {
      const want: RootAccessState = { RootCredentialsManagement: true, RootSessions: true };
      const fields: FieldChange[] = ROOT_FEATURES.filter((f) => !have[f]).map((f) => ({ field: f, before: false, after: true }));
      const dependsOn = [serviceAccessAddress(IAM_PRINCIPAL)];
      if (enabled.length === 0) changes.push({ address: ROOT_ACCESS_ADDRESS, kind: 'root-access', action: 'create', before: null, after: want, dependsOn });
      else if (fields.length > 0) changes.push({ address: ROOT_ACCESS_ADDRESS, kind: 'root-access', action: 'update', before: have, after: want, fields, dependsOn });
    } else if (enabled.length > 0) {
      if (input.prune) changes.push({ address: ROOT_ACCESS_ADDRESS, kind: 'root-access', action: 'delete', before: have, after: null });
      else unmanaged.push({ address: ROOT_ACCESS_ADDRESS, kind: 'root-access', description: `centralized root access (${enabled.join(', ')}) is enabled; accounts.yaml does not ask for it (organization.rootAccess); --prune disables it` });
    }
    return { changes, unmanaged };
  },

  async apply(ctx, change) {
    const iam = ctx.aws.management.iam;
    // Enabling (or disabling) what already is answers with the features: safe to re-run.
    if (change.action === 'delete') {
      await iam.send(new DisableOrganizationsRootSessionsCommand({}));
      await iam.send(new DisableOrganizationsRootCredentialsManagementCommand({}));
      return;
    }
    await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    await iam.send(new EnableOrganizationsRootSessionsCommand({}));
  },
};
