/**
 * The seven Organizations policy types and what AWS says about each: how large a document may be (counted in
 * characters of the content sent, whitespace included; lz counts UTF-8 bytes, never fewer), how many policies of the type one root, OU or account may have attached,
 * whether AWS attaches a managed policy everywhere while the type is enabled, and the grammar the document
 * follows. One policy kind per type is made from these facts (./kinds.ts).
 */

export type PolicyType =
  | 'SERVICE_CONTROL_POLICY'
  | 'RESOURCE_CONTROL_POLICY'
  | 'TAG_POLICY'
  | 'BACKUP_POLICY'
  | 'AISERVICES_OPT_OUT_POLICY'
  | 'CHATBOT_POLICY'
  | 'DECLARATIVE_POLICY_EC2';

export interface PolicyTypeFacts {
  type: PolicyType;
  /** Its list under `organization:` in accounts.yaml. */
  key: string;
  /** The resource kind (and module) of its policies. */
  kind: string;
  /** Addresses: `scp:NAME`, `scp:NAME@unit:Workloads`. */
  prefix: string;
  /** How messages and the plan name one, and several. */
  title: string;
  titles: string;
  /** Organizations' maximum document size, in characters. */
  maxCharacters: number;
  /** Organizations' maximum number of policies of the type attached to one root, OU or account. */
  maxPerTarget: number;
  /**
   * AWS's managed policy that EnablePolicyType attaches to every root, OU and account (and AWS attaches to each
   * new one): it allows everything, and policies of the type only restrict once it is replaced where they apply.
   */
  allowAll?: { name: string; id: string };
  /** `iam`: Version and Statement (IAM's policy language); `object`: a JSON object of the type's own syntax. */
  grammar: 'iam' | 'object';
  /** The policy type IAM Access Analyzer's ValidatePolicy checks the document as, when it can. */
  lintAs?: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';
}

export const SERVICE_CONTROL: PolicyTypeFacts = {
  type: 'SERVICE_CONTROL_POLICY',
  key: 'serviceControlPolicies',
  kind: 'service-control-policy',
  prefix: 'scp',
  title: 'service control policy',
  titles: 'service control policies',
  // Doubled by AWS on 15 May 2026 (from 5,120 characters and 5 per target); RCPs kept theirs.
  maxCharacters: 10_240,
  maxPerTarget: 10,
  allowAll: { name: 'FullAWSAccess', id: 'p-FullAWSAccess' },
  grammar: 'iam',
  lintAs: 'SERVICE_CONTROL_POLICY',
};

export const RESOURCE_CONTROL: PolicyTypeFacts = {
  type: 'RESOURCE_CONTROL_POLICY',
  key: 'resourceControlPolicies',
  kind: 'resource-control-policy',
  prefix: 'rcp',
  title: 'resource control policy',
  titles: 'resource control policies',
  maxCharacters: 5120,
  maxPerTarget: 5,
  allowAll: { name: 'RCPFullAWSAccess', id: 'p-RCPFullAWSAccess' },
  grammar: 'iam',
  lintAs: 'RESOURCE_CONTROL_POLICY',
};

const management = (type: PolicyType, key: string, kind: string, prefix: string, title: string, maxCharacters = 10_000, maxPerTarget = 10): PolicyTypeFacts => ({
  type,
  key,
  kind,
  prefix,
  title,
  titles: title.replace(/policy/, 'policies'),
  maxCharacters,
  maxPerTarget,
  grammar: 'object',
});

export const TAG = management('TAG_POLICY', 'tagPolicies', 'tag-policy', 'tag-policy', 'tag policy');
export const BACKUP = management('BACKUP_POLICY', 'backupPolicies', 'backup-policy', 'backup-policy', 'backup policy');
export const AI_OPT_OUT = management('AISERVICES_OPT_OUT_POLICY', 'aiServicesOptOutPolicies', 'ai-opt-out-policy', 'ai-opt-out-policy', 'AI services opt-out policy', 2500, 5);
export const CHATBOT = management('CHATBOT_POLICY', 'chatbotPolicies', 'chatbot-policy', 'chatbot-policy', 'chat applications policy');
export const DECLARATIVE_EC2 = management('DECLARATIVE_POLICY_EC2', 'declarativePolicies', 'declarative-policy', 'declarative-policy', 'declarative policy for EC2');

export const POLICY_TYPES: readonly PolicyTypeFacts[] = [SERVICE_CONTROL, RESOURCE_CONTROL, TAG, BACKUP, AI_OPT_OUT, CHATBOT, DECLARATIVE_EC2];
