/**
 * The guardrails lz ships, by name (docs/guardrails.md says what each blocks and why). Each is a service control
 * policy document made from the file: the access role lz works through, the trail and the buckets it names.
 */

export const PRESETS = ['deny-leaving-organization', 'deny-root-user', 'protect-lz', 'deny-security-changes', 'allowed-regions', 'deny-all'] as const;
export type PresetName = (typeof PRESETS)[number];

export interface PresetInput {
  /** The role lz assumes in member accounts (organization.accessRole). */
  accessRole: string;
  /** The organization trail's name. */
  trailName: string;
  /** Bucket names (or `*` patterns) the trail and the cost export deliver to. */
  buckets: string[];
  /** allowed-regions: the Regions calls may go to. */
  regions?: string[];
}

type Statement = Record<string, unknown>;
const document = (...statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });

/** Anyone but lz's access role (in any member account): the role the guardrails keep working for lz. */
const unlessLz = (input: PresetInput) => ({ ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::*:role/${input.accessRole}` } });

/**
 * AWS's documented exemptions for its global services (the Region-deny example in the Organizations User
 * Guide, and the Control Tower Region deny control): their endpoints are in us-east-1 whatever Region a caller
 * works in, so denying them by Region would deny them everywhere.
 */
export const GLOBAL_SERVICE_ACTIONS = [
  'a4b:*',
  'account:*',
  'acm:*',
  'aws-marketplace-management:*',
  'aws-marketplace:*',
  'aws-portal:*',
  'billing:*',
  'budgets:*',
  'ce:*',
  'chime:*',
  'cloudfront:*',
  'config:*',
  'cur:*',
  'directconnect:*',
  'ec2:DescribeRegions',
  'ec2:DescribeTransitGateways',
  'ec2:DescribeVpnGateways',
  'fms:*',
  'globalaccelerator:*',
  'health:*',
  'iam:*',
  'importexport:*',
  'kms:*',
  'mobileanalytics:*',
  'networkmanager:*',
  'organizations:*',
  'pricing:*',
  'route53:*',
  'route53domains:*',
  'route53-recovery-cluster:*',
  'route53-recovery-control-config:*',
  'route53-recovery-readiness:*',
  's3:GetAccountPublic*',
  's3:ListAllMyBuckets',
  's3:ListMultiRegionAccessPoints',
  's3:PutAccountPublic*',
  'shield:*',
  'sts:*',
  'support:*',
  'trustedadvisor:*',
  'waf-regional:*',
  'waf:*',
  'wafv2:*',
  'wellarchitected:*',
];

const PRESET_DOCUMENTS: Record<PresetName, (input: PresetInput) => object> = {
  'deny-leaving-organization': () =>
    document({ Sid: 'DenyLeavingOrganization', Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }),

  // AWS's own sample (service-control-policy-examples, Privileged-access-controls): a privileged session the
  // management account starts with sts:AssumeRoot is the member's root user too; it is how root credentials
  // are audited and deleted (centralized root access), so it stays possible.
  'deny-root-user': () =>
    document({
      Sid: 'DenyRootUser',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' }, Null: { 'aws:AssumedRoot': 'true' } },
    }),

  'protect-lz': (input) =>
    document(
      {
        Sid: 'ProtectLzAccessRole',
        Effect: 'Deny',
        Action: [
          'iam:AttachRolePolicy',
          'iam:DeleteRole',
          'iam:DeleteRolePermissionsBoundary',
          'iam:DeleteRolePolicy',
          'iam:DetachRolePolicy',
          'iam:PutRolePermissionsBoundary',
          'iam:PutRolePolicy',
          'iam:UpdateAssumeRolePolicy',
          'iam:UpdateRole',
          'iam:UpdateRoleDescription',
          'iam:TagRole',
          'iam:UntagRole',
        ],
        Resource: `arn:aws:iam::*:role/${input.accessRole}`,
        Condition: unlessLz(input),
      },
      {
        Sid: 'ProtectLzTrail',
        Effect: 'Deny',
        Action: ['cloudtrail:DeleteTrail', 'cloudtrail:StopLogging', 'cloudtrail:UpdateTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:RemoveTags'],
        Resource: `arn:aws:cloudtrail:*:*:trail/${input.trailName}`,
        Condition: unlessLz(input),
      },
      {
        Sid: 'ProtectLzLogArchive',
        Effect: 'Deny',
        Action: [
          's3:DeleteBucket',
          's3:DeleteBucketPolicy',
          's3:PutBucketPolicy',
          's3:PutBucketAcl',
          's3:PutBucketOwnershipControls',
          's3:PutBucketPublicAccessBlock',
          's3:PutBucketVersioning',
          's3:PutLifecycleConfiguration',
          's3:PutEncryptionConfiguration',
          's3:DeleteObject',
          's3:DeleteObjectVersion',
        ],
        Resource: input.buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
        Condition: unlessLz(input),
      },
    ),

  'deny-security-changes': () =>
    document({
      Sid: 'DenySecurityServiceChanges',
      Effect: 'Deny',
      Action: [
        'cloudtrail:DeleteTrail',
        'cloudtrail:StopLogging',
        'cloudtrail:UpdateTrail',
        'cloudtrail:PutEventSelectors',
        'guardduty:DeleteDetector',
        'guardduty:DisassociateFromAdministratorAccount',
        'guardduty:DisassociateFromMasterAccount',
        'guardduty:UpdateDetector',
        'guardduty:StopMonitoringMembers',
        'securityhub:DisableSecurityHub',
        'securityhub:DisassociateFromAdministratorAccount',
        'securityhub:DisassociateFromMasterAccount',
        'securityhub:DeleteMembers',
        'config:DeleteConfigurationRecorder',
        'config:DeleteDeliveryChannel',
        'config:StopConfigurationRecorder',
        'access-analyzer:DeleteAnalyzer',
      ],
      Resource: '*',
    }),

  // The quarantine: nothing at all may run in an account below it (lz attaches it to the quarantine unit).
  'deny-all': () => document({ Sid: 'DenyEverything', Effect: 'Deny', Action: '*', Resource: '*' }),

  'allowed-regions': (input) =>
    document({
      Sid: 'DenyOutsideAllowedRegions',
      Effect: 'Deny',
      NotAction: GLOBAL_SERVICE_ACTIONS,
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': input.regions ?? [] } },
    }),
};

/** What each preset is for, as the policy's description in AWS when the file gives none. */
const PRESET_DESCRIPTIONS: Record<PresetName, string> = {
  'deny-leaving-organization': 'lz guardrail: member accounts cannot leave the organization',
  'deny-root-user': "lz guardrail: a member account's root user can do nothing (AssumeRoot sessions excepted)",
  'protect-lz': "lz guardrail: only lz's access role may change it, the organization trail and the log buckets",
  'deny-security-changes': 'lz guardrail: CloudTrail, GuardDuty, Security Hub, Config and Access Analyzer stay on',
  'allowed-regions': 'lz guardrail: no calls outside the allowed Regions, global services excepted',
  'deny-all': 'lz guardrail: nothing may run in an account below it (the quarantine of accounts being closed)',
};

export const presetDescription = (name: PresetName): string => PRESET_DESCRIPTIONS[name];

export function presetDocument(name: PresetName, input: PresetInput): object {
  return PRESET_DOCUMENTS[name](input);
}

