import {
  DisableOrganizationsRootCredentialsManagementCommand,
  DisableOrganizationsRootSessionsCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  ListOrganizationsFeaturesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import type { AwsContext } from '../aws/context.js';
import { defineOrganizationKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import { singletonDiff } from '../core/reconcile.js';
import { IAM_PRINCIPAL, rootAccessSection, tolerantRead } from './organization-services.js';
import { serviceAccess, serviceAccessAddress } from './trusted-access.js';

export const ROOT_ACCESS_ADDRESS = 'root-access';
export const ROOT_FEATURES = ['RootCredentialsManagement', 'RootSessions'] as const;

/** `organization.rootAccess`; the root-credentials module reads it too (deleting root credentials needs it). */

export interface RootAccessState {
  RootCredentialsManagement: boolean;
  RootSessions: boolean;
}

const NONE: RootAccessState = { RootCredentialsManagement: false, RootSessions: false };
const ALL: RootAccessState = { RootCredentialsManagement: true, RootSessions: true };

/** ListOrganizationsFeatures; nothing is enabled while trusted access for IAM (or the organization) is missing. */
async function readFeatures(iam: IAMClient): Promise<RootAccessState> {
  const out = await ignoreCodes(iam.send(new ListOrganizationsFeaturesCommand({})), [
    'ServiceAccessNotEnabledException',
    'OrganizationNotFoundException',
    'OrganizationNotInAllFeaturesModeException',
  ]);
  const on = new Set(out?.EnabledFeatures ?? []);
  return { RootCredentialsManagement: on.has('RootCredentialsManagement'), RootSessions: on.has('RootSessions') };
}

/**
 * The organization's centralized root access features, read once per run for the accounts' reads (the
 * root user's checks ask whether a member account's root user can have credentials at all).
 */
export function rootAccessFeatures(aws: AwsContext): Promise<RootAccessState> {
  return aws.memo('iam:ListOrganizationsFeatures', () => readFeatures(aws.management.iam));
}

/** Apply's instruction: enable both features, or disable both (--prune). */
const payload = z.strictObject({ enable: z.boolean() });
type Payload = z.output<typeof payload>;

/**
 * Centralized root access for member accounts (IAM): RootCredentialsManagement (the management account
 * may delete, audit and allow recovery of member accounts' root credentials) and RootSessions (it may run
 * privileged root tasks in them through sts:AssumeRoot). Needs trusted access for iam.amazonaws.com first.
 * Features enabled while the file does not ask for them are reported; --prune disables them.
 */
export const rootAccess = defineOrganizationKind<RootAccessState, Payload>({
  kind: 'root-access',
  permissions: {
    management: [
      reads('iam:ListOrganizationsFeatures'),
      writes(
        'iam:EnableOrganizationsRootCredentialsManagement',
        'iam:EnableOrganizationsRootSessions',
        'iam:DisableOrganizationsRootCredentialsManagement',
        'iam:DisableOrganizationsRootSessions',
      ),
    ],
  },
  sections: [rootAccessSection],
  payload,

  async read(ctx) {
    if (!ctx.snapshot.organization) return NONE;
    // Without trusted access for IAM no feature can be on; asking would only earn an error.
    if (!(await serviceAccess(ctx)).has(IAM_PRINCIPAL)) return NONE;
    const wanted = Boolean(rootAccessSection.of(ctx.manifest)?.centralized);
    return tolerantRead(ctx, wanted, 'IAM organization features', () => rootAccessFeatures(ctx.aws), NONE);
  },

  plan(input, live) {
    const enabled = ROOT_FEATURES.filter((f) => live?.[f]);
    const out = singletonDiff<RootAccessState, RootAccessState, Payload>({
      address: ROOT_ACCESS_ADDRESS,
      kind: 'root-access',
      want: rootAccessSection.of(input.manifest)?.centralized ? ALL : undefined,
      // Either feature on counts as there: the other one is an update.
      have: live && enabled.length > 0 ? live : undefined,
      prune: input.prune,
      fields: (_want, have) => ROOT_FEATURES.filter((f) => !have[f]).map((f) => ({ field: f, before: false, after: true })),
      payload: { put: () => ({ enable: true }), delete: () => ({ enable: false }) },
      unmanaged: () => `centralized root access (${enabled.join(', ')}) is enabled; accounts.yaml does not ask for it (organization.rootAccess); --prune disables it`,
    });
    const dependsOn = [serviceAccessAddress(IAM_PRINCIPAL)];
    return { ...out, changes: out.changes.map((c) => (c.action === 'delete' ? c : { ...c, dependsOn })) };
  },

  // Either feature on is written as centralized: leaving it out would have --prune disable what is on.
  toManifest: (live) => (live && ROOT_FEATURES.some((f) => live[f]) ? rootAccessSection.fields({ centralized: true }) : undefined),

  async apply(ctx, { payload: { enable } }) {
    const iam = ctx.aws.management.iam;
    // Enabling (or disabling) what already is answers with the features: safe to re-run.
    if (!enable) {
      await iam.send(new DisableOrganizationsRootSessionsCommand({}));
      await iam.send(new DisableOrganizationsRootCredentialsManagementCommand({}));
      return;
    }
    await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    await iam.send(new EnableOrganizationsRootSessionsCommand({}));
  },
});
