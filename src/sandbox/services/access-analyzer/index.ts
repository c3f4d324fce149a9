/**
 * IAM Access Analyzer (restJson1, signing name `access-analyzer`): ValidatePolicy, `POST /policy/validation`,
 * which checks a policy document against the policy grammar and returns findings, paged by maxResults and
 * nextToken in the query string. The checks are the sandbox's subset of AWS's (src/sandbox/policy/validate.ts).
 * It holds no state: validating changes nothing.
 */
import { paginate } from '../../paginate.js';
import { validatePolicy } from '../../policy/validate.js';
import type { PolicyType } from '../../policy/validate.js';
import { AwsError } from '../../types.js';
import type { OperationHandler, SandboxService } from '../../types.js';

const POLICY_TYPES: PolicyType[] = ['IDENTITY_POLICY', 'RESOURCE_POLICY', 'SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY'];
const LOCALES = ['DE', 'EN', 'ES', 'FR', 'IT', 'JA', 'KO', 'PT_BR', 'ZH_CN', 'ZH_TW'];
const RESOURCE_TYPES = [
  'AWS::S3::Bucket',
  'AWS::S3::AccessPoint',
  'AWS::S3::MultiRegionAccessPoint',
  'AWS::S3ObjectLambda::AccessPoint',
  'AWS::IAM::AssumeRolePolicyDocument',
  'AWS::DynamoDB::Table',
];

/** Access Analyzer's ValidationException: a reason and the fields that failed. */
class ValidationException extends AwsError {
  readonly fields: Record<string, unknown>;
  constructor(field: string, constraint: string, value: unknown) {
    const message = `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${field}' failed to satisfy constraint: ${constraint}`;
    super('ValidationException', message, 400);
    this.fields = { reason: 'fieldValidationFailed', fieldList: [{ name: field, message: constraint }] };
  }
}

function oneOf(input: Record<string, unknown>, field: string, allowed: string[], required: boolean): string | undefined {
  const v = input[field];
  if (v === undefined || v === null) {
    if (required) throw new ValidationException(field, 'Member must not be null', undefined);
    return undefined;
  }
  if (typeof v !== 'string' || !allowed.includes(v)) throw new ValidationException(field, `Member must satisfy enum value set: [${allowed.join(', ')}]`, v);
  return v;
}

const validate: OperationHandler = (ctx, input) => {
  const document = input.policyDocument;
  if (document === undefined || document === null) throw new ValidationException('policyDocument', 'Member must not be null', undefined);
  if (typeof document !== 'string') throw new ValidationException('policyDocument', 'Member must be a string', document);
  const policyType = oneOf(input, 'policyType', POLICY_TYPES, true) as PolicyType;
  oneOf(input, 'locale', LOCALES, false);
  const resourceType = oneOf(input, 'validatePolicyResourceType', RESOURCE_TYPES, false);
  if (resourceType && policyType !== 'RESOURCE_POLICY') {
    throw new ValidationException('validatePolicyResourceType', 'Member can only be specified when policyType is RESOURCE_POLICY', resourceType);
  }
  const findings = validatePolicy(document, policyType, resourceType);
  const page = paginate(findings, {
    token: ctx.params.nextToken,
    limit: ctx.params.maxResults,
    defaultPage: 100,
    maxPage: 1000,
    limitName: 'maxResults',
    invalid: (message) => Object.assign(new AwsError('ValidationException', message, 400), { fields: { reason: 'fieldValidationFailed' } }),
  });
  return { findings: page.items, nextToken: page.nextToken };
};

export const accessAnalyzer: SandboxService = {
  signingName: 'access-analyzer',
  protocol: 'restJson1',
  route(method, path, query) {
    if (method !== 'POST' || path !== '/policy/validation') return undefined;
    const params: Record<string, string> = {};
    for (const name of ['maxResults', 'nextToken']) {
      const v = query.get(name);
      if (v !== null) params[name] = v;
    }
    return { operation: 'ValidatePolicy', params };
  },
  operations: { ValidatePolicy: validate },
  isReadOnly: () => true,
};
