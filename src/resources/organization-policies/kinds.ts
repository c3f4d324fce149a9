import { defineOrganizationKind, type OrganizationKind } from '../../core/module.js';
import { reads, writes, type Permissions } from '../../core/permissions.js';
import type { Finding } from '../../core/plan.js';
import type { LoadedManifest } from '../../manifest/types.js';
import { parsedJson, sameValue } from '../../core/values.js';
import { applyPolicyChange } from './apply.js';
import { lintDocument } from './lint.js';
import { readPolicies } from './live.js';
import { planPolicies, policyPayload, type PolicyLive, type PolicyPayload } from './plan.js';
import { AI_OPT_OUT, BACKUP, CHATBOT, DECLARATIVE_EC2, RESOURCE_CONTROL, SERVICE_CONTROL, TAG, type PolicyTypeFacts } from './policy-types.js';
import { desiredPolicies, policySection } from './section.js';
import { importPolicies, importNotes } from './import.js';
import { serviceControlSection } from './region-guardrail.js';

/** Every policy type's kind calls the same Organizations operations; plan lints SCPs and RCPs with Access Analyzer. */
const POLICY_PERMISSIONS: Permissions = {
  management: [
    reads('organizations:ListRoots', 'organizations:ListPolicies', 'organizations:DescribePolicy', 'organizations:ListTagsForResource', 'organizations:ListTargetsForPolicy', 'access-analyzer:ValidatePolicy'),
    writes(
      'organizations:EnablePolicyType',
      'organizations:CreatePolicy',
      'organizations:TagResource',
      'organizations:UpdatePolicy',
      'organizations:AttachPolicy',
      'organizations:DetachPolicy',
      'organizations:DeletePolicy',
    ),
  ],
};

/**
 * One kind per Organizations policy type. They share their shape (./plan.ts, ./apply.ts), and each owns its
 * list under `organization:`, its limits and its grammar (./policy-types.ts).
 */
function definePolicyKind(facts: PolicyTypeFacts, section = policySection(facts)): OrganizationKind<PolicyLive, PolicyPayload> {
  const desiredOf = (manifest: LoadedManifest) => desiredPolicies(facts, section.of(manifest), manifest.manifest, manifest.dir);
  return defineOrganizationKind<PolicyLive, PolicyPayload>({
    kind: facts.kind,
    permissions: POLICY_PERMISSIONS,
    sections: [section],
    payload: policyPayload,

    async read(ctx) {
      const desired = desiredOf(ctx.manifest);
      const live = await readPolicies(ctx, facts, { names: new Set(desired.filter((d) => !d.awsManaged).map((d) => d.name)), allowAll: desired.some((d) => d.awsManaged) });
      // Only documents about to be written are checked: a no-change plan makes no checker call.
      const byName = new Map(live.policies.filter((p) => !p.awsManaged).map((p) => [p.name, p]));
      const findings = new Map<string, Finding[]>();
      await Promise.all(
        desired.map(async (d) => {
          if (!d.document) return;
          const have = byName.get(d.name);
          if (have && sameValue(parsedJson(have.content), d.document.value)) return;
          findings.set(d.name, await lintDocument(ctx.aws, facts, d.document.content));
        }),
      );
      return { live, findings };
    },

    plan: (input, live) => planPolicies(facts, desiredOf(input.manifest), input, live),
    apply: (ctx, change) => applyPolicyChange(ctx, change.payload),
    toManifest: (live, input) => importPolicies(facts, section, live, input),
    importNotes: (live, input) => importNotes(facts, section, live, input),
  });
}


export const serviceControlPolicies = definePolicyKind(SERVICE_CONTROL, serviceControlSection);
export const resourceControlPolicies = definePolicyKind(RESOURCE_CONTROL);
export const tagPolicies = definePolicyKind(TAG);
export const backupPolicies = definePolicyKind(BACKUP);
export const aiServicesOptOutPolicies = definePolicyKind(AI_OPT_OUT);
export const chatbotPolicies = definePolicyKind(CHATBOT);
export const declarativePolicies = definePolicyKind(DECLARATIVE_EC2);
