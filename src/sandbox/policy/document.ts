/**
 * The IAM policy grammar the evaluator reads: Version, Statement (one or a list), and per statement Effect,
 * Action/NotAction, Resource/NotResource and Condition. A document is parsed once per distinct content string
 * (the sandbox keeps policies as the text they were sent as), so a request costs only the matching.
 * A document that is not a valid policy parses to no statements: it allows and denies nothing.
 */
import { wildcard } from './wildcard.js';
import type { Matcher } from './wildcard.js';

export interface ParsedCondition {
  /** The base operator, lower-cased, without set prefix or IfExists: 'stringequals', 'arnlike', 'bool', 'null', ... */
  operator: string;
  set?: 'any' | 'all';
  ifExists: boolean;
  /** The condition key, lower-cased (keys compare case-insensitively). */
  key: string;
  values: string[];
}

export interface ParsedStatement {
  effect: 'Allow' | 'Deny';
  /** Action (not: false) or NotAction (not: true); actions compare case-insensitively. */
  actions: { not: boolean; match: Matcher[] };
  /** Resource or NotResource; absent in documents without either (SCPs default to every resource). */
  resources?: { not: boolean; patterns: string[] };
  conditions: ParsedCondition[];
  /**
   * Principal or NotPrincipal (resource-based and trust policies): principal ids by type (AWS, Federated,
   * Service), `*` standing for everyone. Absent in identity policies, which have neither.
   */
  principals?: { not: boolean; byType: Map<string, string[]> };
}

export interface ParsedPolicy {
  statements: ParsedStatement[];
  /** 2012-10-17 documents may use policy variables (${aws:username}); 2008-10-17 ones may not. */
  variables: boolean;
}

const EMPTY: ParsedPolicy = { statements: [], variables: false };
const cache = new Map<string, ParsedPolicy>();

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

const OPERATOR_RE = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/i;

function parseConditions(block: unknown): ParsedCondition[] | undefined {
  if (block === undefined) return [];
  if (!block || typeof block !== 'object' || Array.isArray(block)) return undefined;
  const out: ParsedCondition[] = [];
  for (const [op, entries] of Object.entries(block as Record<string, unknown>)) {
    const m = OPERATOR_RE.exec(op);
    if (!m || !entries || typeof entries !== 'object' || Array.isArray(entries)) return undefined;
    for (const [key, raw] of Object.entries(entries as Record<string, unknown>)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const set = m[1] ? (m[1].toLowerCase() === 'foranyvalue' ? 'any' : 'all') : undefined;
      out.push({ operator: m[2]!.toLowerCase(), set, ifExists: Boolean(m[3]), key: key.toLowerCase(), values });
    }
  }
  return out;
}

/** `"*"` or `{ "Federated": "arn:..." }`-style; undefined when malformed. */
function parsePrincipal(p: unknown): Map<string, string[]> | undefined {
  if (p === '*') return new Map([['*', ['*']]]);
  if (!p || typeof p !== 'object' || Array.isArray(p)) return undefined;
  const byType = new Map<string, string[]>();
  for (const [type, ids] of Object.entries(p as Record<string, unknown>)) {
    const list = strings(ids);
    if (!list) return undefined;
    byType.set(type, list);
  }
  return byType;
}

function parseStatement(s: unknown): ParsedStatement | undefined {
  if (!s || typeof s !== 'object' || Array.isArray(s)) return undefined;
  const st = s as Record<string, unknown>;
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return undefined;
  const action = strings(st.Action);
  const notAction = strings(st.NotAction);
  if ((action === undefined) === (notAction === undefined)) return undefined;
  const resource = strings(st.Resource);
  const notResource = strings(st.NotResource);
  if (resource !== undefined && notResource !== undefined) return undefined;
  const conditions = parseConditions(st.Condition);
  if (!conditions) return undefined;
  if (st.Principal !== undefined && st.NotPrincipal !== undefined) return undefined;
  const principal = st.Principal ?? st.NotPrincipal;
  const byType = principal === undefined ? undefined : parsePrincipal(principal);
  if (principal !== undefined && !byType) return undefined;
  return {
    effect: st.Effect,
    actions: { not: notAction !== undefined, match: (action ?? notAction!).map((a) => wildcard(a, true)) },
    resources: resource ? { not: false, patterns: resource } : notResource ? { not: true, patterns: notResource } : undefined,
    conditions,
    ...(byType ? { principals: { not: st.Principal === undefined, byType } } : {}),
  };
}

function parse(content: string): ParsedPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    return EMPTY;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return EMPTY;
  const d = doc as Record<string, unknown>;
  const raw = Array.isArray(d.Statement) ? d.Statement : d.Statement === undefined ? [] : [d.Statement];
  const statements: ParsedStatement[] = [];
  for (const s of raw) {
    const parsed = parseStatement(s);
    // AWS refuses such a document when it is written; one that got into the state anyway grants nothing.
    if (!parsed) return EMPTY;
    statements.push(parsed);
  }
  return { statements, variables: d.Version === '2012-10-17' };
}

/** The parsed form of a policy document, cached by its exact text. */
export function parsePolicy(content: string): ParsedPolicy {
  let p = cache.get(content);
  if (!p) {
    if (cache.size > 5_000) cache.clear();
    p = parse(content);
    cache.set(content, p);
  }
  return p;
}
