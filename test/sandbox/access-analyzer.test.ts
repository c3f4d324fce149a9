import { AccessAnalyzerClient, ValidatePolicyCommand, ValidationException, paginateValidatePolicy } from '@aws-sdk/client-accessanalyzer';
import type { ValidatePolicyCommandInput, ValidatePolicyFinding } from '@aws-sdk/client-accessanalyzer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { clientConfig, failure } from './clients.js';

let sb: SandboxHandle;
let client: AccessAnalyzerClient;

beforeAll(async () => {
  sb = await startSandbox();
  client = new AccessAnalyzerClient(clientConfig(sb));
});

afterAll(async () => {
  client.destroy();
  await sb.close();
});

const validate = async (policy: object | string, policyType: ValidatePolicyCommandInput['policyType'] = 'IDENTITY_POLICY', extra: Partial<ValidatePolicyCommandInput> = {}) =>
  (await client.send(new ValidatePolicyCommand({ policyDocument: typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2), policyType, ...extra }))).findings!;
const codes = (findings: ValidatePolicyFinding[]) => findings.map((f) => `${f.findingType} ${f.issueCode}`);
const policy = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });

describe('IAM Access Analyzer ValidatePolicy', () => {
  it('finds nothing in a sound policy, the presets among them', async () => {
    expect(await validate(policy({ Effect: 'Allow', Action: ['iam:Get*', 's3:GetObject', 'organizations:List*'], Resource: '*' }))).toEqual([]);
    const denyLeaving = policy({ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' });
    expect(await validate(denyLeaving, 'SERVICE_CONTROL_POLICY')).toEqual([]);
    const regions = policy({
      Effect: 'Deny',
      NotAction: ['iam:*', 'organizations:*', 'route53:*', 'cloudfront:*', 'support:*', 'sts:*', 'cloudtrail:LookupEvents', 's3:GetAccountPublicAccessBlock', 'ec2:DescribeRegions'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] }, ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/lz-*' } },
    });
    expect(await validate(regions, 'SERVICE_CONTROL_POLICY')).toEqual([]);
  });

  it('reports an unknown service and an unknown action as errors, pointing at them', async () => {
    const findings = await validate(policy({ Effect: 'Allow', Action: ['iam:ListRoles', 'nosuchsvc:Do', 'iam:ListRolez', 'cloudtrail:Stop*'], Resource: '*' }));
    expect(codes(findings)).toEqual(['ERROR INVALID_SERVICE_IN_ACTION', 'ERROR INVALID_ACTION']);
    expect(findings[0]!.findingDetails).toBe('The service nosuchsvc specified in the action does not exist.');
    expect(findings[0]!.locations![0]!.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'Action' }, { index: 1 }]);
    expect(findings[1]!.findingDetails).toBe('The action iam:ListRolez does not exist.');
    expect(findings[1]!.learnMoreLink).toBe('https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-invalid-action');
    // The span covers the string in the document as sent (line from 1, column and offset from 0).
    const text = JSON.stringify(policy({ Effect: 'Allow', Action: ['iam:ListRolez'], Resource: '*' }), null, 2);
    const span = (await validate(text))[0]!.locations![0]!.span!;
    expect(text.slice(span.start!.offset, span.end!.offset)).toBe('"iam:ListRolez"');
    expect(span.start!.line).toBe(text.slice(0, span.start!.offset).split('\n').length);
  });

  it('reports the grammar: JSON syntax, missing and unknown elements, Effect, Version, condition operators and keys', async () => {
    const syntax = await validate('{"Version": "2012-10-17", "Statement": [}');
    expect(codes(syntax)).toEqual(['ERROR JSON_SYNTAX_ERROR']);
    expect(syntax[0]!.findingDetails).toBe('Fix the JSON syntax error at index 40 line 1 column 40.');
    expect(codes(await validate({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }))).toEqual(['WARNING MISSING_VERSION']);
    expect(codes(await validate({ Version: '2012-10-17' }))).toEqual(['ERROR MISSING_STATEMENT']);
    const bad = await validate({
      Version: '2020-01-01',
      Statement: [{ Effect: 'Permit', Action: 'iam:ListRoles', NotAction: 'iam:GetRole', Resources: '*', Condition: { StringEqualz: { 'aws:RequestedRegion': 'x' }, StringEquals: { 'aws:NoSuchKey': 'x', 'aws:PrincipalTag/team': 'a' } } }, { Effect: 'Deny' }],
    });
    expect(codes(bad)).toEqual([
      'ERROR INVALID_VERSION',
      'ERROR INVALID_POLICY_ELEMENT',
      'ERROR INVALID_EFFECT',
      'ERROR UNSUPPORTED_ELEMENT_COMBINATION',
      'ERROR MISSING_RESOURCE',
      'ERROR INVALID_CONDITION_OPERATOR',
      'ERROR INVALID_GLOBAL_CONDITION_KEY',
      'ERROR MISSING_ACTION',
      'ERROR MISSING_RESOURCE',
    ]);
    expect(bad[2]!.findingDetails).toBe('The effect Permit is not valid. Use Allow or Deny.');
    expect(bad[6]!.findingDetails).toBe('The condition key aws:NoSuchKey does not exist. Use a valid condition key.');
  });

  it('applies the rules of the policy type: no Principal in identity policies or SCPs, one in resource policies', async () => {
    const withPrincipal = policy({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' });
    expect(codes(await validate(withPrincipal, 'IDENTITY_POLICY'))).toEqual(['ERROR UNSUPPORTED_PRINCIPAL']);
    const scp = await validate(withPrincipal, 'SERVICE_CONTROL_POLICY');
    expect(codes(scp)).toEqual(['ERROR SCP_SYNTAX_ERROR_PRINCIPAL']);
    expect(scp[0]!.findingDetails).toBe('SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.');
    expect(codes(await validate(policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), 'RESOURCE_POLICY'))).toEqual(['ERROR MISSING_PRINCIPAL']);
    const trust = policy({ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'sts:AssumeRole' });
    expect(await validate(trust, 'RESOURCE_POLICY', { validatePolicyResourceType: 'AWS::IAM::AssumeRolePolicyDocument' })).toEqual([]);
    expect(codes(await validate(policy({ Sid: 'A', Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'A', Effect: 'Deny', Action: 'iam:*', Resource: '*' })))).toEqual(['ERROR UNIQUE_SIDS_REQUIRED']);
  });

  it('pages findings with maxResults and nextToken, as the SDK paginator follows them', async () => {
    const doc = JSON.stringify(policy({ Effect: 'Allow', Action: ['a1:X', 'a2:X', 'a3:X', 'a4:X', 'a5:X'], Resource: '*' }));
    const first = await client.send(new ValidatePolicyCommand({ policyDocument: doc, policyType: 'IDENTITY_POLICY', maxResults: 2 }));
    expect(first.findings).toHaveLength(2);
    expect(first.nextToken).toBeDefined();
    const all: ValidatePolicyFinding[] = [];
    for await (const page of paginateValidatePolicy({ client, pageSize: 2 }, { policyDocument: doc, policyType: 'IDENTITY_POLICY' })) all.push(...page.findings!);
    expect(all.map((f) => f.findingDetails)).toEqual([1, 2, 3, 4, 5].map((n) => `The service a${n} specified in the action does not exist.`));
  });

  it('refuses a missing document, an unknown policy type and a resource type for another policy type with ValidationException', async () => {
    const missing = await failure(() => client.send(new ValidatePolicyCommand({ policyType: 'IDENTITY_POLICY' } as ValidatePolicyCommandInput)));
    expect(missing).toBeInstanceOf(ValidationException);
    expect(missing.$metadata?.httpStatusCode).toBe(400);
    expect((missing as ValidationException).reason).toBe('fieldValidationFailed');
    const type = await failure(() => client.send(new ValidatePolicyCommand({ policyDocument: '{}', policyType: 'TRUST_POLICY' as ValidatePolicyCommandInput['policyType'] })));
    expect(type.message).toContain("at 'policyType' failed to satisfy constraint: Member must satisfy enum value set");
    const resourceType = await failure(() => client.send(new ValidatePolicyCommand({ policyDocument: '{}', policyType: 'IDENTITY_POLICY', validatePolicyResourceType: 'AWS::S3::Bucket' })));
    expect(resourceType).toBeInstanceOf(ValidationException);
    const token = await failure(() => client.send(new ValidatePolicyCommand({ policyDocument: '{}', policyType: 'IDENTITY_POLICY', nextToken: 'forged' })));
    expect(token).toBeInstanceOf(ValidationException);
  });

  it('is logged as a read: validating changes nothing', async () => {
    sb.clearRequests();
    await validate(policy({ Effect: 'Allow', Action: '*', Resource: '*' }));
    expect(sb.requests().map((r) => [r.service, r.operation, r.readOnly])).toEqual([['access-analyzer', 'ValidatePolicy', true]]);
  });
});
