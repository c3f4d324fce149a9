/**
 * Condition evaluation as AWS documents it (IAM User Guide, "Condition operators" and "Set operators for
 * multivalued context keys"): several values of one key are OR'ed, several keys and several operators are
 * AND'ed. A key missing from the request makes a condition false, except that a negated operator
 * (StringNotEquals, StringNotLike, ArnNotEquals, ArnNotLike, ...) is then true, ...IfExists is true,
 * ForAllValues is true (an empty set) and ForAnyValue false; Null tests presence itself.
 */
import type { ParsedCondition } from './document.js';
import { wildcard } from './wildcard.js';

/** The request's condition keys, lower-cased, each with its values (one for single-valued keys). */
export type ConditionContext = ReadonlyMap<string, readonly string[]>;

type Compare = (actual: string, expected: string) => boolean;

const ARN_PARTS = 6;

/** ARN operators match each of the six colon-separated parts on its own, wildcards within a part. */
function arnLike(actual: string, pattern: string): boolean {
  const a = actual.split(':');
  const p = pattern.split(':');
  if (a.length < ARN_PARTS || p.length < ARN_PARTS) return false;
  const head = (parts: string[]) => [...parts.slice(0, ARN_PARTS - 1), parts.slice(ARN_PARTS - 1).join(':')];
  const ah = head(a);
  return head(p).every((part, i) => wildcard(part)(ah[i]!));
}

const num = (s: string) => (s.trim() === '' ? NaN : Number(s));
const date = (s: string) => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));

/** Positive operators (negated ones are these, inverted), keyed by lower-cased name. */
const POSITIVE: Record<string, Compare> = {
  stringequals: (a, e) => a === e,
  stringequalsignorecase: (a, e) => a.toLowerCase() === e.toLowerCase(),
  stringlike: (a, e) => wildcard(e)(a),
  arnequals: arnLike,
  arnlike: arnLike,
  bool: (a, e) => a.toLowerCase() === e.toLowerCase(),
  numericequals: (a, e) => num(a) === num(e),
  numericlessthan: (a, e) => num(a) < num(e),
  numericlessthanequals: (a, e) => num(a) <= num(e),
  numericgreaterthan: (a, e) => num(a) > num(e),
  numericgreaterthanequals: (a, e) => num(a) >= num(e),
  dateequals: (a, e) => date(a) === date(e),
  datelessthan: (a, e) => date(a) < date(e),
  datelessthanequals: (a, e) => date(a) <= date(e),
  dategreaterthan: (a, e) => date(a) > date(e),
  dategreaterthanequals: (a, e) => date(a) >= date(e),
};

const NEGATED: Record<string, string> = {
  stringnotequals: 'stringequals',
  stringnotequalsignorecase: 'stringequalsignorecase',
  stringnotlike: 'stringlike',
  arnnotequals: 'arnequals',
  arnnotlike: 'arnlike',
  numericnotequals: 'numericequals',
  datenotequals: 'dateequals',
};

/** Whether the sandbox knows the operator; an unknown one never matches (the statement does not apply). */
export function knownOperator(operator: string): boolean {
  return operator === 'null' || operator in POSITIVE || operator in NEGATED;
}

/** One value against the policy's values: any of them (OR), or none of them for a negated operator. */
function valueMatches(operator: string, actual: string, expected: readonly string[]): boolean {
  const base = NEGATED[operator];
  if (base) return !expected.some((e) => POSITIVE[base]!(actual, e));
  const cmp = POSITIVE[operator]!;
  return expected.some((e) => cmp(actual, e));
}

function conditionHolds(c: ParsedCondition, ctx: ConditionContext): boolean {
  const actual = ctx.get(c.key);
  const present = actual !== undefined && actual.length > 0;
  if (c.operator === 'null') return c.values.some((v) => (v.toLowerCase() === 'true') === !present);
  if (!knownOperator(c.operator)) return false;
  if (!present) {
    if (c.ifExists) return true;
    if (c.set) return c.set === 'all';
    return c.operator in NEGATED;
  }
  if (c.set === 'all') return actual.every((a) => valueMatches(c.operator, a, c.values));
  if (c.set === 'any') return actual.some((a) => valueMatches(c.operator, a, c.values));
  // A single-valued key without a set operator: a negated operator holds when no value matches.
  if (c.operator in NEGATED) return actual.every((a) => valueMatches(c.operator, a, c.values));
  return actual.some((a) => valueMatches(c.operator, a, c.values));
}

/** Whether every condition of a statement holds (AND); a statement without conditions always applies. */
export function conditionsHold(conditions: readonly ParsedCondition[], ctx: ConditionContext): boolean {
  for (const c of conditions) if (!conditionHolds(c, ctx)) return false;
  return true;
}
