import { AwsError } from './types.js';

/**
 * Reading decoded inputs. awsQuery delivers every scalar as a string, the JSON protocols as JSON values;
 * these helpers accept both. Missing required members answer AWS's ValidationError shape.
 */

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function validationError(message: string, code = 'ValidationError'): AwsError {
  return new AwsError(code, message, 400);
}

export function reqString(input: Record<string, unknown>, name: string, code?: string): string {
  const v = input[name];
  if (v === undefined || v === null || (typeof v === 'string' && v === '')) {
    throw validationError(`1 validation error detected: Value null at '${camel(name)}' failed to satisfy constraint: Member must not be null`, code);
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw validationError(`Value at '${camel(name)}' must be a string`, code);
  return String(v);
}

export function optString(input: Record<string, unknown>, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null || v === '') return undefined;
  return String(v);
}

export function optBool(input: Record<string, unknown>, name: string): boolean | undefined {
  const v = input[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw validationError(`Value '${String(v)}' at '${camel(name)}' failed to satisfy constraint: Member must be a boolean`);
}

export function optInt(input: Record<string, unknown>, name: string, min?: number, max?: number, code?: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw validationError(`Value '${String(v)}' at '${camel(name)}' failed to satisfy constraint: Member must be an integer`, code);
  if (min !== undefined && n < min) {
    throw validationError(`1 validation error detected: Value '${n}' at '${camel(name)}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`, code);
  }
  if (max !== undefined && n > max) {
    throw validationError(`1 validation error detected: Value '${n}' at '${camel(name)}' failed to satisfy constraint: Member must have value less than or equal to ${max}`, code);
  }
  return n;
}

/** A list member (`Tags.member.N` or a JSON array); an absent or empty list is []. */
export function list<T = unknown>(input: Record<string, unknown>, name: string): T[] {
  const v = input[name];
  return Array.isArray(v) ? (v as T[]) : [];
}
