import { AwsError } from '../../types.js';

/**
 * The errors of the SSO Admin and Identity Store models, with their HTTP statuses (ConflictException 409,
 * ResourceNotFoundException 404, ServiceQuotaExceededException 402, AccessDeniedException 403,
 * ThrottlingException 429, ValidationException 400). Identity Store's carry a RequestId, and its
 * ResourceNotFoundException the ResourceType and ResourceId; its ConflictException a Reason.
 */
export class IdentityCenterError extends AwsError {
  readonly fields: Record<string, unknown>;
  constructor(code: string, message: string, status: number, fields: Record<string, unknown> = {}) {
    super(code, message, status);
    this.fields = fields;
  }
}

export const ssoErrors = {
  validation: (message: string) => new IdentityCenterError('ValidationException', message, 400),
  notFound: (message: string) => new IdentityCenterError('ResourceNotFoundException', message, 404),
  conflict: (message: string) => new IdentityCenterError('ConflictException', message, 409),
  quota: (message: string) => new IdentityCenterError('ServiceQuotaExceededException', message, 402),
  accessDenied: (message: string) => new IdentityCenterError('AccessDeniedException', message, 403),
  throttling: (message: string) => new IdentityCenterError('ThrottlingException', message, 429),
};

export type DirectoryResourceType = 'GROUP' | 'USER' | 'IDENTITY_STORE' | 'GROUP_MEMBERSHIP';

export const directoryErrors = {
  validation: (message: string, requestId: string) => new IdentityCenterError('ValidationException', message, 400, { RequestId: requestId }),
  notFound: (type: DirectoryResourceType, id: string | undefined, message: string, requestId: string) =>
    new IdentityCenterError('ResourceNotFoundException', message, 404, { ResourceType: type, ResourceId: id, RequestId: requestId }),
  conflict: (message: string, requestId: string) =>
    new IdentityCenterError('ConflictException', message, 409, { Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION', RequestId: requestId }),
  accessDenied: (message: string, requestId: string) => new IdentityCenterError('AccessDeniedException', message, 403, { RequestId: requestId }),
};

/** Smithy's validation message for a member that is missing, too long, or off its pattern. */
export function constraintMessage(value: unknown, member: string, constraint: string): string {
  return value === undefined || value === null
    ? `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`
    : `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`;
}
