import type { IamManagedPolicy } from './state.js';

const AWS_POLICY_DATE = '2015-02-06T18:39:46.000Z';

function awsManaged(name: string, path: string, id: string, document: object): IamManagedPolicy {
  return {
    policyName: name,
    policyId: id,
    arn: `arn:aws:iam::aws:policy${path}${name}`,
    path,
    createDate: AWS_POLICY_DATE,
    updateDate: AWS_POLICY_DATE,
    defaultVersionId: 'v1',
    versions: [{ versionId: 'v1', document: JSON.stringify(document, null, 4), createDate: AWS_POLICY_DATE }],
    nextVersion: 2,
  };
}

/** The AWS-managed policies every account can attach, keyed by ARN. */
export const AWS_MANAGED_POLICIES: Record<string, IamManagedPolicy> = Object.fromEntries(
  [
    awsManaged('AdministratorAccess', '/', 'ANPAIWMBCKSKIEE64ZLYK', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    // AWS's has hundreds of services' read actions; these are the ones of the services the sandbox serves and
    // of the guardrails' (their Describe/Get/List families, as AWS's document grants them).
    awsManaged('ReadOnlyAccess', '/', 'ANPAILL3HVNFSB6DCOWYQ', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'access-analyzer:Get*',
            'access-analyzer:List*',
            'access-analyzer:ValidatePolicy',
            'account:Get*',
            'account:List*',
            'bcm-data-exports:Get*',
            'bcm-data-exports:List*',
            'budgets:Describe*',
            'budgets:View*',
            'cloudtrail:Describe*',
            'cloudtrail:Get*',
            'cloudtrail:List*',
            'cloudtrail:LookupEvents',
            'config:Describe*',
            'config:Get*',
            'config:List*',
            'ec2:Describe*',
            'guardduty:Describe*',
            'guardduty:Get*',
            'guardduty:List*',
            'iam:Generate*',
            'iam:Get*',
            'iam:List*',
            'iam:Simulate*',
            'organizations:Describe*',
            'organizations:List*',
            's3:Get*',
            's3:List*',
            'securityhub:Describe*',
            'securityhub:Get*',
            'securityhub:List*',
            'sts:GetAccessKeyInfo',
            'sts:GetCallerIdentity',
            'sts:GetSessionToken',
          ],
          Resource: '*',
        },
      ],
    }),
    awsManaged('PowerUserAccess', '/', 'ANPAJYRXTHIB4FOVS3ZXS', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: [
            'account:GetAccountInformation',
            'account:GetPrimaryEmail',
            'account:ListRegions',
            'iam:CreateServiceLinkedRole',
            'iam:DeleteServiceLinkedRole',
            'iam:ListRoles',
            'organizations:DescribeOrganization',
          ],
          Resource: '*',
        },
      ],
    }),
    awsManaged('Billing', '/job-function/', 'ANPAIFTHXT6FFMIRT7ZEA', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['aws-portal:*', 'budgets:*', 'ce:*', 'cur:*', 'pricing:*'], Resource: '*' }],
    }),
    awsManaged('IAMUserChangePassword', '/', 'ANPAJ4L4MM2A7QIEB56MS', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:ChangePassword'], Resource: ['arn:aws:iam::*:user/${aws:username}'] },
        { Effect: 'Allow', Action: ['iam:GetAccountPasswordPolicy'], Resource: '*' },
      ],
    }),
  ].map((p) => [p.arn, p]),
);

export const ADMINISTRATOR_ACCESS_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';
