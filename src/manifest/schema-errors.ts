import * as z from 'zod';
import { LzError } from '../errors.js';
import type { SourceLocation } from '../errors.js';
import { HINT_SEPARATOR } from './schema.js';
import { docLink, formatPath } from './paths.js';
import { suggest } from './suggest.js';
import type { DocPath } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

export interface IssueContext {
  /** The schema the issues came from, to list the keys that would have been accepted. */
  schema: z.ZodType;
  /** Prepended to each issue's path (an account parsed on its own is `accounts[i]`). */
  basePath: DocPath;
  locate(path: DocPath, opts?: { key?: boolean }): SourceLocation | undefined;
  /** Keys with a heading of their own in docs/manifest.md, for the "see ..." pointer. */
  documented: readonly string[];
}

/** Turns zod's issues into one LzError per problem, each with position, path, a plain message and a hint. */
export function issuesToErrors(issues: readonly Issue[], ctx: IssueContext): LzError[] {
  const errors: LzError[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const local = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    // A value that breaks two rules (empty and wrong pattern) is one mistake: report the first rule only.
    const key = issue.code === 'unrecognized_keys' ? `${formatPath(local)}#keys` : formatPath(local);
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(...issueToErrors(issue, local, ctx));
  }
  return errors;
}

function issueToErrors(issue: Issue, local: DocPath, ctx: IssueContext): LzError[] {
  const path = [...ctx.basePath, ...local];
  const where = { path: formatPath(path), location: ctx.locate(path) };
  const label = labelOf(path);
  const input = (issue as { input?: unknown }).input;
  const [ruleMessage, ruleHint] = issue.message.split(HINT_SEPARATOR);
  const more = `see ${docLink(path, ctx.documented)}`;

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = keysAt(ctx.schema, local);
      return issue.keys.map((k) => {
        const keyPath = [...path, k];
        const guess = suggest(k, allowed);
        const hint =
          k === '<<'
            ? 'YAML merge keys (<<) are not supported; put shared values in `defaults` instead'
            : guess
              ? `did you mean "${guess}"?`
              : `allowed keys here: ${allowed.join(', ')}`;
        return new LzError('manifest.unknown-key', `unknown key "${k}"${path.length ? ` in ${label}` : ' at the top level'}`, {
          path: formatPath(keyPath),
          location: ctx.locate(keyPath, { key: true }),
          hint,
        });
      });
    }
    case 'invalid_type': {
      if (input === undefined) {
        const description = schemaAt(ctx.schema, local)?.description;
        return [
          new LzError('manifest.missing-key', `missing required key "${String(path[path.length - 1])}"`, {
            ...where,
            hint: `add ${String(path[path.length - 1])}: ...${description ? ` (${description.replace(/\.$/, '')})` : ''}; ${more}`,
          }),
        ];
      }
      const expected = describeExpected(issue.expected);
      let hint = `${more}`;
      if (issue.expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) {
        hint = `put the value in quotes exactly as meant, e.g. ${label}: "..." (YAML reads it unquoted as a ${typeof input}${typeof input === 'number' ? ' and drops leading zeros' : ''})`;
      } else if ((issue.expected === 'number' || issue.expected === 'int') && typeof input === 'string' && input.trim() !== '' && !Number.isNaN(Number(input))) {
        hint = `remove the quotes: ${label}: ${input.trim()}`;
      } else if (input === null) {
        hint = `give ${label} a value, or remove the key; ${more}`;
      }
      const got = typeof input === 'number' || typeof input === 'boolean' ? `the ${typeof input} ${String(input)}` : describeValue(input);
      return [new LzError('manifest.wrong-type', `${label} must be ${expected}, not ${got}`, { ...where, hint })];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      const guess = typeof input === 'string' ? suggest(input, values) : undefined;
      return [
        new LzError('manifest.invalid-value', `${label} ${describeValue(input)} must be one of ${values.join(', ')}`, {
          ...where,
          hint: guess ? `did you mean ${guess}?` : `use one of ${values.join(', ')}; ${more}`,
        }),
      ];
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      const [innerMessage, innerHint] = (inner?.message ?? 'is not allowed').split(HINT_SEPARATOR);
      const key = String(path[path.length - 1]);
      return [
        new LzError('manifest.invalid-key', `key "${key}" in ${labelOf(path.slice(0, -1))} ${innerMessage}`, {
          ...where,
          location: ctx.locate(path, { key: true }),
          hint: innerHint ?? more,
        }),
      ];
    }
    default: {
      const subject =
        input === undefined || (typeof input === 'object' && input !== null && !Array.isArray(input))
          ? label
          : Array.isArray(input)
            ? `${label} (${input.length} entries)`
            : `${label} ${describeValue(input)}`;
      return [new LzError('manifest.invalid', `${subject} ${ruleMessage ?? issue.message}`, { ...where, hint: ruleHint ?? more })];
    }
  }
}

/** What a person calls the node: its key, or `alerts[2]` for a list entry. */
function labelOf(path: DocPath): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'the document';
  if (typeof last === 'number') {
    const parent = path[path.length - 2];
    return `${parent === undefined ? '' : String(parent)}[${last}]`;
  }
  return last;
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    default:
      return expected;
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'object') return Buffer.isBuffer(value) ? 'binary data' : 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/** The schema of the node at `path`, looking through optional/nullable/default wrappers. */
export function schemaAt(schema: z.ZodType, path: DocPath): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!current) return undefined;
    if (current instanceof z.ZodObject) current = unwrap((current.shape as Record<string, z.ZodType>)[String(segment)]);
    else if (current instanceof z.ZodArray) current = unwrap(current.element as z.ZodType);
    else if (current instanceof z.ZodRecord) current = unwrap(current.valueType as z.ZodType);
    else return undefined;
  }
  return current;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}

function keysAt(schema: z.ZodType, path: DocPath): string[] {
  const node = schemaAt(schema, path);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}
