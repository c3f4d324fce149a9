import { resolve } from 'node:path';
import { LzError } from '../../errors.js';
import { readBoundedFile } from '../../files.js';
import type { PolicyTypeFacts } from './policy-types.js';
import { presetDocument, type PresetInput, type PresetName } from './presets.js';

/** Where a policy's document comes from, as the file writes it: exactly one of the three. */
export interface DocumentSource {
  /** Inline: a YAML mapping, or a JSON string. */
  document?: string | Record<string, unknown>;
  /** A JSON file, relative to accounts.yaml. */
  file?: string;
  preset?: PresetName;
  regions?: string[];
}

/** The document as lz sends it: minified JSON, which is also what AWS's size limit counts. */
export interface LoadedDocument {
  value: Record<string, unknown>;
  content: string;
}

/** What loading and checking a document needs to know about its kind (a policy type, or an IAM identity policy). */
export type DocumentFacts = Pick<PolicyTypeFacts, 'title' | 'grammar'> & { type: string };

export type DocumentResult = { ok: true; document: LoadedDocument } | { ok: false; at: 'document' | 'file' | 'preset'; message: string; hint?: string };

/** The type of a document attached to an identity (a permission set's inline policy), not an Organizations policy. */
export const IDENTITY_POLICY = 'IAM_IDENTITY_POLICY';

/** Policy files are small (AWS allows at most 10,000 characters); anything far larger is not one. */
const MAX_POLICY_FILE_BYTES = 256 * 1024;

export function loadDocument(source: DocumentSource, facts: DocumentFacts, dir: string, preset: Omit<PresetInput, 'regions'>): DocumentResult {
  let value: unknown;
  let at: 'document' | 'file' | 'preset';
  if (source.preset) {
    at = 'preset';
    value = presetDocument(source.preset, { ...preset, ...(source.regions ? { regions: source.regions } : {}) });
  } else if (source.file !== undefined) {
    at = 'file';
    let text: string;
    try {
      text = readBoundedFile(resolve(dir, source.file), {
        shownAs: source.file,
        what: 'the policy document',
        code: 'policy-file',
        maxBytes: MAX_POLICY_FILE_BYTES,
        hint: 'name a JSON file relative to accounts.yaml',
      }).toString('utf8');
    } catch (err) {
      if (err instanceof LzError) return { ok: false, at, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
      throw err;
    }
    const parsed = parseJson(text, source.file);
    if (!parsed.ok) return { ok: false, at, message: parsed.message, hint: 'fix the JSON in the file' };
    value = parsed.value;
  } else {
    at = 'document';
    if (typeof source.document === 'string') {
      const parsed = parseJson(source.document, 'the document');
      if (!parsed.ok) return { ok: false, at, message: parsed.message, hint: 'write the document as a YAML mapping, or as valid JSON in a string' };
      value = parsed.value;
    } else value = source.document;
  }
  const problem = grammarProblem(value, facts);
  if (problem) return { ok: false, at, message: problem, hint: facts.grammar === 'iam' ? 'see docs/guardrails.md for the shape of a policy document' : `write the ${facts.title} in its own JSON syntax (docs/guardrails.md)` };
  const object = value as Record<string, unknown>;
  return { ok: true, document: { value: object, content: JSON.stringify(object) } };
}

function parseJson(text: string, what: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: `${what} is not valid JSON: ${(err as Error).message}` };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'Principal', 'NotPrincipal']);

/**
 * What AWS would refuse as MalformedPolicyDocumentException, found before any call: the IAM grammar's frame
 * (Version, Statement, Effect, one of Action/NotAction, string lists, conditions as operator → key → values)
 * and the rules of each type (SCPs name no principal; RCPs only deny, for Principal "*"). What an action
 * or condition key means is for IAM Access Analyzer, which plan runs.
 */
export function grammarProblem(value: unknown, facts: DocumentFacts): string | undefined {
  if (!isObject(value)) return `a ${facts.title} must be a JSON object`;
  if (facts.grammar === 'object') return undefined;
  if (value.Version !== '2012-10-17') return 'Version must be "2012-10-17"';
  const statements = Array.isArray(value.Statement) ? value.Statement : isObject(value.Statement) ? [value.Statement] : undefined;
  if (!statements || statements.length === 0) return 'Statement must be a statement or a non-empty list of statements';
  const unknown = Object.keys(value).find((k) => k !== 'Version' && k !== 'Statement' && k !== 'Id');
  if (unknown) return `unknown element "${unknown}" (a policy has Version, Statement and optionally Id)`;
  for (const [i, s] of statements.entries()) {
    const where = `Statement ${i + 1}${isObject(s) && typeof s.Sid === 'string' ? ` (${s.Sid})` : ''}`;
    if (!isObject(s)) return `${where} must be a mapping`;
    const extra = Object.keys(s).find((k) => !STATEMENT_KEYS.has(k));
    if (extra) return `${where}: unknown element "${extra}"`;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return `${where}: Effect must be "Allow" or "Deny"`;
    if ((s.Action === undefined) === (s.NotAction === undefined)) return `${where}: give exactly one of Action and NotAction`;
    if (!isStrings(s.Action ?? s.NotAction)) return `${where}: ${s.Action !== undefined ? 'Action' : 'NotAction'} must be a string or a list of strings`;
    if (s.Resource !== undefined && s.NotResource !== undefined) return `${where}: give at most one of Resource and NotResource`;
    const resource = s.Resource ?? s.NotResource;
    if (resource !== undefined && !isStrings(resource)) return `${where}: Resource must be a string or a list of strings`;
    if (s.Condition !== undefined && !validCondition(s.Condition)) return `${where}: Condition must map operators to keys to a value or list of values`;
    if (facts.type === 'SERVICE_CONTROL_POLICY' && (s.Principal !== undefined || s.NotPrincipal !== undefined)) return `${where}: a service control policy names no Principal`;
    if (facts.type === IDENTITY_POLICY && (s.Principal !== undefined || s.NotPrincipal !== undefined)) return `${where}: an identity policy names no Principal (it applies to whoever holds it)`;
    if (facts.type === 'RESOURCE_CONTROL_POLICY') {
      if (s.Effect !== 'Deny') return `${where}: a resource control policy can only Deny`;
      if (s.Principal !== '*') return `${where}: a resource control policy's Principal must be "*"`;
    }
  }
  return undefined;
}

function validCondition(condition: unknown): boolean {
  if (!isObject(condition)) return false;
  return Object.values(condition).every(
    (keys) => isObject(keys) && Object.values(keys).every((v) => ['string', 'boolean', 'number'].includes(typeof v) || (Array.isArray(v) && v.every((x) => ['string', 'boolean', 'number'].includes(typeof x)))),
  );
}
