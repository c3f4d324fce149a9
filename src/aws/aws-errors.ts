/** The SDK raises modelled exceptions whose `name` is the AWS error code; this reads it safely. */
export function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : undefined;
}

export function isError(err: unknown, ...names: string[]): boolean {
  const name = errorName(err);
  return name !== undefined && names.includes(name);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** IAM answers NoSuchEntity for "not there"; Account and Budgets answer ResourceNotFound / NotFound. */
export function isNotFound(err: unknown): boolean {
  return isError(err, 'NoSuchEntityException', 'NoSuchEntity', 'ResourceNotFoundException', 'NotFoundException');
}
