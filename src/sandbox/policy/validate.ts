/**
 * Policy validation as IAM Access Analyzer's ValidatePolicy does it, for a subset of its checks: JSON syntax,
 * the policy grammar (elements, Effect, Version, Action/Resource/Principal and their Not- forms), known
 * service prefixes and actions (known-actions.ts), condition operators and global condition keys, and the
 * policy-type rules (no Principal in identity policies or SCPs, a Principal in resource policies, unique Sids).
 * Each finding points at its element with a path and a span, as AWS's do.
 */
import { knownOperator } from './conditions.js';
import { JsonSyntaxError, parseJsonTree, positionOf } from './json-tree.js';
import type { JsonNode } from './json-tree.js';
import { GLOBAL_CONDITION_KEYS, GLOBAL_TAG_KEY_PREFIXES, KNOWN_ACTIONS, SERVICE_PREFIXES } from './known-actions.js';
import { wildcard } from './wildcard.js';

export type PolicyType = 'IDENTITY_POLICY' | 'RESOURCE_POLICY' | 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';
export type FindingType = 'ERROR' | 'SECURITY_WARNING' | 'SUGGESTION' | 'WARNING';
type PathElement = { value: string } | { index: number };

export interface Finding {
  findingDetails: string;
  findingType: FindingType;
  issueCode: string;
  learnMoreLink: string;
  locations: { path: PathElement[]; span: { start: ReturnType<typeof positionOf>; end: ReturnType<typeof positionOf> } }[];
}

const DOC = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html';
const ANCHOR: Record<FindingType, string> = { ERROR: 'error', SECURITY_WARNING: 'security-warning', SUGGESTION: 'suggestion', WARNING: 'general-warning' };
const VERSIONS = ['2012-10-17', '2008-10-17'];
const POLICY_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const POLICY_TYPE_NAMES: Record<PolicyType, string> = {
  IDENTITY_POLICY: 'IDENTITY_POLICY',
  RESOURCE_POLICY: 'RESOURCE_POLICY',
  SERVICE_CONTROL_POLICY: 'SERVICE_CONTROL_POLICY',
  RESOURCE_CONTROL_POLICY: 'RESOURCE_CONTROL_POLICY',
};

class Findings {
  readonly list: Finding[] = [];
  constructor(private readonly text: string) {}

  add(type: FindingType, code: string, details: string, path: PathElement[], node?: { start: number; end: number }): void {
    const start = node?.start ?? 0;
    const end = node?.end ?? (node ? start : this.text.length);
    const anchor = `${DOC}#access-analyzer-reference-policy-checks-${ANCHOR[type]}-${code.toLowerCase().replace(/_/g, '-')}`;
    this.list.push({
      findingDetails: details,
      findingType: type,
      issueCode: code,
      learnMoreLink: anchor,
      locations: [{ path, span: { start: positionOf(this.text, start), end: positionOf(this.text, end) } }],
    });
  }
}

const entry = (node: JsonNode, key: string) => (node.kind === 'object' ? node.entries.find((e) => e.key === key) : undefined);
/** A string or a list of strings, each with its path element (an index only for lists). */
const stringsOf = (node: JsonNode): { value: string; node: JsonNode; path: PathElement[] }[] | undefined => {
  if (node.kind === 'string') return [{ value: node.value, node, path: [] }];
  if (node.kind === 'array' && node.items.every((n) => n.kind === 'string')) {
    return node.items.map((n, index) => ({ value: (n as { value: string }).value, node: n, path: [{ index }] }));
  }
  return undefined;
};

function checkAction(f: Findings, action: string, node: JsonNode, path: PathElement[]): void {
  if (action === '*') return;
  const colon = action.indexOf(':');
  if (colon <= 0) {
    f.add('ERROR', 'INVALID_ACTION', `The action ${action} does not exist.`, path, node);
    return;
  }
  const service = action.slice(0, colon);
  const name = action.slice(colon + 1);
  if (!SERVICE_PREFIXES.has(service)) {
    const near = [...SERVICE_PREFIXES].find((s) => s.toLowerCase() === service.toLowerCase());
    f.add('ERROR', 'INVALID_SERVICE_IN_ACTION', `The service ${service} specified in the action does not exist.${near ? ` Did you mean ${near}?` : ''}`, path, node);
    return;
  }
  const known = KNOWN_ACTIONS[service];
  if (!known?.complete || name === '*') return;
  const match = wildcard(name, true);
  if (!known.actions.some(match)) f.add('ERROR', 'INVALID_ACTION', `The action ${action} does not exist.`, path, node);
}

function checkCondition(f: Findings, node: JsonNode, path: PathElement[]): void {
  if (node.kind !== 'object') {
    f.add('ERROR', 'DATA_TYPE_MISMATCH', 'The text does not match the expected JSON data type Object.', path, node);
    return;
  }
  for (const op of node.entries) {
    const opPath = [...path, { value: op.key }];
    const m = /^(?:(?:ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(op.key);
    const base = m?.[1] ?? op.key;
    if (!knownOperator(base.toLowerCase()) && !/^(IpAddress|NotIpAddress|BinaryEquals)$/.test(base)) {
      f.add('ERROR', 'INVALID_CONDITION_OPERATOR', `The condition operator ${op.key} is not valid. Use a valid condition operator.`, opPath, op.value);
      continue;
    }
    if (base === 'Null' && m?.[2]) {
      f.add('ERROR', 'NULL_WITH_IF_EXISTS', 'The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.', opPath, op.value);
    }
    if (op.value.kind !== 'object') continue;
    for (const key of op.value.entries) {
      const lower = key.key.toLowerCase();
      if (!lower.startsWith('aws:')) continue;
      const keyPath = [...opPath, { value: key.key }];
      if (lower === 'aws:arn') {
        f.add('ERROR', 'UNSUPPORTED_GLOBAL_CONDITION_KEY', 'The condition key aws:ARN is not supported. Use aws:PrincipalArn or aws:SourceArn instead.', keyPath, key.value);
      } else if (!GLOBAL_CONDITION_KEYS.has(lower) && !GLOBAL_TAG_KEY_PREFIXES.some((p) => lower.startsWith(p) && lower.length > p.length)) {
        f.add('ERROR', 'INVALID_GLOBAL_CONDITION_KEY', `The condition key ${key.key} does not exist. Use a valid condition key.`, keyPath, key.value);
      }
    }
  }
}

function checkStatement(f: Findings, st: JsonNode, path: PathElement[], type: PolicyType, resourceType: string | undefined): void {
  if (st.kind !== 'object') {
    f.add('ERROR', 'DATA_TYPE_MISMATCH', 'The text does not match the expected JSON data type Object.', path, st);
    return;
  }
  for (const e of st.entries) {
    if (!STATEMENT_ELEMENTS.has(e.key)) f.add('ERROR', 'INVALID_POLICY_ELEMENT', `The policy element ${e.key} is not valid.`, [...path, { value: e.key }], e.value);
  }
  const effect = entry(st, 'Effect');
  if (!effect) f.add('ERROR', 'MISSING_EFFECT', 'Add an Effect element to the policy statement with a value of Allow or Deny.', path, st);
  else if (effect.value.kind !== 'string' || (effect.value.value !== 'Allow' && effect.value.value !== 'Deny')) {
    const shown = effect.value.kind === 'string' ? effect.value.value : JSON.stringify(effect.value.kind === 'object' || effect.value.kind === 'array' ? effect.value.kind : effect.value.value);
    f.add('ERROR', 'INVALID_EFFECT', `The effect ${shown} is not valid. Use Allow or Deny.`, [...path, { value: 'Effect' }], effect.value);
  }
  const pair = (a: string, b: string) => {
    const x = entry(st, a);
    const y = entry(st, b);
    if (x && y) f.add('ERROR', 'UNSUPPORTED_ELEMENT_COMBINATION', `The policy elements ${a} and ${b} can not be used in the same statement. Remove one of these elements.`, [...path, { value: b }], y.value);
    return x ?? y;
  };
  const action = pair('Action', 'NotAction');
  if (!action) f.add('ERROR', 'MISSING_ACTION', 'Add an Action or NotAction element to the policy statement.', path, st);
  else {
    const actions = stringsOf(action.value);
    if (!actions) f.add('ERROR', 'DATA_TYPE_MISMATCH', 'The text does not match the expected JSON data type String.', [...path, { value: action.key }], action.value);
    else for (const a of actions) checkAction(f, a.value, a.node, [...path, { value: action.key }, ...a.path]);
  }
  const trustPolicy = type === 'RESOURCE_POLICY' && resourceType === 'AWS::IAM::AssumeRolePolicyDocument';
  const resource = pair('Resource', 'NotResource');
  if (!resource && !trustPolicy) f.add('ERROR', 'MISSING_RESOURCE', 'Add a Resource or NotResource element to the policy statement.', path, st);
  const principal = pair('Principal', 'NotPrincipal');
  if (principal && type === 'IDENTITY_POLICY') {
    f.add('ERROR', 'UNSUPPORTED_PRINCIPAL', `The policy type ${POLICY_TYPE_NAMES[type]} does not support the Principal element. Remove the Principal element.`, [...path, { value: principal.key }], principal.value);
  }
  if (principal && type === 'SERVICE_CONTROL_POLICY') {
    f.add('ERROR', 'SCP_SYNTAX_ERROR_PRINCIPAL', 'SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.', [...path, { value: principal.key }], principal.value);
  }
  if (!principal && (type === 'RESOURCE_POLICY' || type === 'RESOURCE_CONTROL_POLICY')) {
    f.add('ERROR', 'MISSING_PRINCIPAL', 'Add a Principal element to the policy statement.', path, st);
  }
  const condition = entry(st, 'Condition');
  if (condition) checkCondition(f, condition.value, [...path, { value: 'Condition' }]);
}

/** The findings for a policy document of a type, in the order of the document. */
export function validatePolicy(text: string, type: PolicyType, resourceType?: string): Finding[] {
  const f = new Findings(text);
  let root: JsonNode;
  try {
    root = parseJsonTree(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const at = positionOf(text, e.offset);
    f.add('ERROR', 'JSON_SYNTAX_ERROR', `Fix the JSON syntax error at index ${at.offset} line ${at.line} column ${at.column}.`, [], { start: e.offset, end: e.offset });
    return f.list;
  }
  if (root.kind !== 'object') {
    f.add('ERROR', 'JSON_SYNTAX_ERROR', 'Fix the JSON syntax error.', [], root);
    return f.list;
  }
  for (const e of root.entries) {
    if (!POLICY_ELEMENTS.has(e.key)) f.add('ERROR', 'INVALID_POLICY_ELEMENT', `The policy element ${e.key} is not valid.`, [{ value: e.key }], e.value);
  }
  const version = entry(root, 'Version');
  if (!version) f.add('WARNING', 'MISSING_VERSION', 'We recommend that you specify the Version element to help you with debugging permission issues.', [], root);
  else if (version.value.kind !== 'string' || !VERSIONS.includes(version.value.value)) {
    const shown = version.value.kind === 'string' ? version.value.value : String((version.value as { value?: unknown }).value);
    f.add('ERROR', 'INVALID_VERSION', `The version ${shown} is not valid. Use one of the following versions: ${VERSIONS.join(', ')}`, [{ value: 'Version' }], version.value);
  }
  const statement = entry(root, 'Statement');
  if (!statement || (statement.value.kind === 'array' && statement.value.items.length === 0)) {
    f.add('ERROR', 'MISSING_STATEMENT', 'Add a statement to the policy', [], statement?.value ?? root);
    return f.list;
  }
  const statements = statement.value.kind === 'array' ? statement.value.items.map((s, index) => ({ s, path: [{ value: 'Statement' }, { index }] as PathElement[] })) : [{ s: statement.value, path: [{ value: 'Statement' }] as PathElement[] }];
  const sids = new Set<string>();
  for (const { s, path } of statements) {
    checkStatement(f, s, path, type, resourceType);
    const sid = entry(s, 'Sid');
    if (sid?.value.kind !== 'string' || type === 'RESOURCE_POLICY') continue;
    if (!/^[A-Za-z0-9]*$/.test(sid.value.value)) {
      f.add('ERROR', 'UNSUPPORTED_SID', 'Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]', [...path, { value: 'Sid' }], sid.value);
    } else if (sid.value.value !== '' && sids.has(sid.value.value)) {
      f.add('ERROR', 'UNIQUE_SIDS_REQUIRED', 'Duplicate statement IDs are not supported for this policy type. Update the Sid value.', [...path, { value: 'Sid' }], sid.value);
    }
    sids.add(sid.value.value);
  }
  return f.list;
}
