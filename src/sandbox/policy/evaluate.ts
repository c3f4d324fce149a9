/**
 * Evaluates a set of policies of one type against a request: an explicit Deny wins, otherwise an Allow is
 * needed (AWS's evaluation logic within one policy type). Which policy decided is returned too: AWS names
 * it in the access-denied message.
 */
import type { ConditionContext } from './conditions.js';
import { conditionsHold } from './conditions.js';
import { parsePolicy } from './document.js';
import type { ParsedPolicy, ParsedStatement } from './document.js';
import { wildcard } from './wildcard.js';

export interface PolicyRequest {
  /** service:Operation as IAM names it. */
  action: string;
  /** The resource ARN, or '*' when the action acts on no particular resource. */
  resource: string;
  context: ConditionContext;
  /**
   * Who asks, for policies that name principals (a role's trust policy): its type as the Principal element
   * names it (AWS, Federated, Service) and its id (an ARN). Without it, Principal elements are not read.
   */
  principal?: { type: string; id: string };
}

/** A policy to evaluate: its document text and the ARN AWS quotes for it (absent for inline policies). */
export interface PolicySource {
  content: string;
  arn?: string;
}

export type Decision = { effect: 'Deny'; by: PolicySource } | { effect: 'Allow'; by: PolicySource } | { effect: 'None' };

/** ${aws:username}-style variables in a Resource, replaced from the request's keys; ${*} ${?} ${$} are literals. */
function substitute(pattern: string, ctx: ConditionContext): string | undefined {
  let missing = false;
  const out = pattern.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name === '*' || name === '?' || name === '$') return name;
    const v = ctx.get(name.toLowerCase());
    if (!v || v.length !== 1) {
      missing = true;
      return '';
    }
    return v[0]!;
  });
  return missing ? undefined : out;
}

function resourceMatches(policy: ParsedPolicy, patterns: string[], resource: string, ctx: ConditionContext): boolean {
  for (const raw of patterns) {
    const pattern = policy.variables && raw.includes('${') ? substitute(raw, ctx) : raw;
    if (pattern !== undefined && wildcard(pattern)(resource)) return true;
  }
  return false;
}

/** Principal ids match exactly; `*` (alone or as a type's id) matches anyone. */
function principalMatches(s: ParsedStatement, principal: NonNullable<PolicyRequest['principal']>): boolean {
  if (!s.principals) return false;
  const { byType, not } = s.principals;
  const hit = byType.has('*') || (byType.get(principal.type) ?? []).some((id) => id === '*' || id === principal.id);
  return hit !== not;
}

function statementApplies(policy: ParsedPolicy, s: ParsedStatement, req: PolicyRequest): boolean {
  if (req.principal && !principalMatches(s, req.principal)) return false;
  const actionHit = s.actions.match.some((m) => m(req.action));
  if (actionHit === s.actions.not) return false;
  if (s.resources) {
    const hit = resourceMatches(policy, s.resources.patterns, req.resource, req.context);
    if (hit === s.resources.not) return false;
  }
  return conditionsHold(s.conditions, req.context);
}

/** The decision of `policies` (one policy type) for a request. */
export function evaluate(policies: readonly PolicySource[], req: PolicyRequest): Decision {
  let allow: PolicySource | undefined;
  for (const source of policies) {
    const policy = parsePolicy(source.content);
    for (const s of policy.statements) {
      if (s.effect === 'Allow' && allow) continue;
      if (!statementApplies(policy, s, req)) continue;
      if (s.effect === 'Deny') return { effect: 'Deny', by: source };
      allow = source;
    }
  }
  return allow ? { effect: 'Allow', by: allow } : { effect: 'None' };
}
