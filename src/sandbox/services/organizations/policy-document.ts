/**
 * What Organizations checks in a policy's content before storing it: its size against the type's quota
 * (whitespace included, as sent through the API) and its grammar at a basic level.
 * SCPs and RCPs follow the IAM policy language with their own restrictions; the management policy types
 * (tag, backup, AI services opt-out, chat applications, declarative) must be JSON objects.
 */
import type { PolicyType } from './state.js';

/**
 * The size a document may have, per type (AWS's "Maximum size of a policy document"). SCPs went from 5,120
 * to 10,240 on 15 May 2026; RCPs stayed at 5,120.
 */
export const CONTENT_LIMITS: Record<PolicyType, number> = {
  SERVICE_CONTROL_POLICY: 10_240,
  RESOURCE_CONTROL_POLICY: 5120,
  TAG_POLICY: 10_000,
  BACKUP_POLICY: 10_000,
  AISERVICES_OPT_OUT_POLICY: 2500,
  CHATBOT_POLICY: 10_000,
  DECLARATIVE_POLICY_EC2: 10_000,
};

/**
 * The size held against the quota: UTF-8 bytes. AWS's quota page says characters today and said "5120 bytes
 * (not characters)" before; the two agree for ASCII, and for anything else bytes are the stricter reading.
 */
export function contentLength(content: string): number {
  return Buffer.byteLength(content, 'utf8');
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string or a non-empty list of strings (Action, Resource, ...). */
function isStringOrList(v: Json | undefined): boolean {
  if (typeof v === 'string') return v.length > 0;
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0);
}

const SCP_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const RCP_KEYS = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'NotResource', 'Condition']);

/** One statement of an SCP: Allow or Deny, exactly one of Action/NotAction, no principal. */
function scpStatementValid(s: { [key: string]: Json }): boolean {
  if (Object.keys(s).some((k) => !SCP_KEYS.has(k))) return false;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return false;
  if ((s.Action === undefined) === (s.NotAction === undefined)) return false;
  if (!isStringOrList(s.Action ?? s.NotAction)) return false;
  return commonValid(s, false);
}

/**
 * One statement of a customer RCP: Deny only (Allow is reserved for RCPFullAWSAccess), Principal exactly
 * "*", Action (RCPs have no NotAction), and a Resource or NotResource.
 */
function rcpStatementValid(s: { [key: string]: Json }): boolean {
  if (Object.keys(s).some((k) => !RCP_KEYS.has(k))) return false;
  if (s.Effect !== 'Deny' || s.Principal !== '*' || !isStringOrList(s.Action)) return false;
  return commonValid(s, true);
}

function commonValid(s: { [key: string]: Json }, resourceRequired: boolean): boolean {
  if (s.Resource !== undefined && s.NotResource !== undefined) return false;
  const resource = s.Resource ?? s.NotResource;
  if (resource === undefined ? resourceRequired : !isStringOrList(resource)) return false;
  if (s.Condition !== undefined && !isObject(s.Condition)) return false;
  return s.Sid === undefined || typeof s.Sid === 'string';
}

function iamLanguageValid(doc: { [key: string]: Json }, statementValid: (s: { [key: string]: Json }) => boolean): boolean {
  if (Object.keys(doc).some((k) => k !== 'Version' && k !== 'Statement' && k !== 'Id')) return false;
  if (doc.Version !== '2012-10-17') return false;
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.length > 0 && statements.every((s) => isObject(s) && statementValid(s));
}

/** Whether `content` is a document of `type` as far as the sandbox checks (see the module comment). */
export function documentValid(type: PolicyType, content: string): boolean {
  let doc: Json;
  try {
    doc = JSON.parse(content) as Json;
  } catch {
    return false;
  }
  if (!isObject(doc)) return false;
  if (type === 'SERVICE_CONTROL_POLICY') return iamLanguageValid(doc, scpStatementValid);
  if (type === 'RESOURCE_CONTROL_POLICY') return iamLanguageValid(doc, rcpStatementValid);
  return true;
}
