import { paginate } from '../../paginate.js';
import type { OperationContext } from '../../types.js';
import { constraintMessage, ssoErrors } from './errors.js';
import { identityCenter } from './state.js';
import type { IdentityCenterState, PermissionSetRecord } from './state.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
export type Input = Record<string, any>;

const PARTITION = '(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b)';
export const INSTANCE_ARN_RE = new RegExp(`^arn:${PARTITION}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$`);
export const PERMISSION_SET_ARN_RE = new RegExp(`^arn:${PARTITION}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}$`);
export const ACCOUNT_ID_RE = /^\d{12}$/;

/** A string member checked as Smithy checks it: present (when required), within its length, on its pattern. */
export function member(input: Input, name: string, opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp; values?: readonly string[] } = {}): string | undefined {
  const v: unknown = input[name];
  const path = name.charAt(0).toLowerCase() + name.slice(1);
  if (v === undefined || v === null) {
    if (opts.required) throw ssoErrors.validation(constraintMessage(undefined, path, ''));
    return undefined;
  }
  if (typeof v !== 'string') throw ssoErrors.validation(`Value at '${path}' must be a string`);
  const min = opts.min ?? 0;
  const max = opts.max ?? Infinity;
  if (v.length < min || v.length > max) {
    throw ssoErrors.validation(constraintMessage(v, path, `Member must have length ${max === Infinity ? `greater than or equal to ${min}` : `between ${min} and ${max}`}`));
  }
  if (opts.values && !opts.values.includes(v)) throw ssoErrors.validation(constraintMessage(v, path, `Member must satisfy enum value set: [${opts.values.join(', ')}]`));
  if (opts.pattern && !opts.pattern.test(v)) throw ssoErrors.validation(constraintMessage(v, path, `Member must satisfy regular expression pattern: ${opts.pattern.source}`));
  return v;
}

export function required(input: Input, name: string, opts: { min?: number; max?: number; pattern?: RegExp; values?: readonly string[] } = {}): string {
  return member(input, name, { ...opts, required: true })!;
}

/**
 * The instance the request names, once the caller may use it: only the management account administers the
 * organization's instance (a delegated administrator is not modelled), and only in the instance's Region.
 */
export function instanceOf(ctx: OperationContext, input: Input): IdentityCenterState {
  const arn = required(input, 'InstanceArn', { min: 10, max: 1224, pattern: INSTANCE_ARN_RE });
  const ic = identityCenter(ctx.state, ctx.runtime.now());
  if (ic && ctx.caller.accountId !== ic.ownerAccountId) {
    throw ssoErrors.accessDenied(`User: ${ctx.caller.arn} is not authorized to perform this action on resource: ${arn}. Only the management account of the organization can manage its IAM Identity Center instance.`);
  }
  if (!ic || ic.instanceArn !== arn || ctx.region !== ic.region) throw ssoErrors.notFound(`Could not find instance with InstanceArn ${arn}.`);
  return ic;
}

export function permissionSetOf(ic: IdentityCenterState, input: Input): PermissionSetRecord {
  const arn = required(input, 'PermissionSetArn', { min: 10, max: 1224, pattern: PERMISSION_SET_ARN_RE });
  const ps = ic.permissionSets[arn];
  if (!ps) throw ssoErrors.notFound(`Could not find PermissionSet with PermissionSetArn ${arn}.`);
  return ps;
}

/** SSO Admin's pages: MaxResults 1..100, opaque NextToken, ValidationException for a bad one. */
export function ssoPage<T>(items: readonly T[], input: Input): { items: T[]; NextToken?: string } {
  const page = paginate(items, { token: input.NextToken, limit: input.MaxResults, maxPage: 100, limitName: 'maxResults', invalid: (m) => ssoErrors.validation(m) });
  return { items: page.items, NextToken: page.nextToken };
}
