import type { Registry } from '../core/module.js';
import { GRANT_SCOPES, IN_ACCOUNTS, reads, type Access, type Grant, type Permissions, type PolicyCondition } from '../core/permissions.js';
import { LOCK_PERMISSIONS } from './lock.js';
import { SNAPSHOT_PERMISSIONS } from './organization-snapshot.js';

/**
 * lz's IAM policies, generated from what each kind and the engine declare (src/core/permissions.ts): the
 * management principal's plan and apply policies and the member accounts' access role's. docs/permissions.md,
 * `lz bootstrap`'s template and the least-privilege test all come from here.
 */

/** Reaching a member account: plan and drift through the read role, apply through the access role (the same one unless the file names a read role). */
const ACCESS_ROLE_PERMISSIONS: Permissions = {
  management: [
    { ...reads('sts:AssumeRole'), resource: 'arn:aws:iam::*:role/{readRole}' },
    { access: 'write', actions: ['sts:AssumeRole'], resource: 'arn:aws:iam::*:role/{accessRole}' },
  ],
};

/** Where a grant came from: a kind's name, or a part of the engine. */
export interface DeclaredGrant {
  source: string;
  where: keyof Permissions;
  grant: Grant;
}

/** Every grant lz declares: the engine's own, then each kind's in registry order. */
export function declaredGrants(registry: Registry): DeclaredGrant[] {
  const sources: [string, Permissions][] = [
    ['organization read', SNAPSHOT_PERMISSIONS],
    ['access role', ACCESS_ROLE_PERMISSIONS],
    ['apply lock', LOCK_PERMISSIONS],
    ...[...registry.organization, ...registry.account].map((m): [string, Permissions] => [m.kind, m.permissions]),
  ];
  return sources.flatMap(([source, p]) => GRANT_SCOPES.flatMap((where) => (p[where] ?? []).map((grant) => ({ source, where, grant }))));
}

export type PolicyName = 'management-plan' | 'management-apply' | 'member-plan' | 'member-apply';
const POLICY_NAMES: readonly PolicyName[] = ['management-plan', 'management-apply', 'member-plan', 'member-apply'];

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string;
  Condition?: PolicyCondition;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** What the placeholders in grants' resources stand for (the file's values, or a template's parameters). */
export interface PolicyValues {
  accessRole: string;
  readRole: string;
  lockBucket: string;
}

/**
 * Which grants each policy holds. The management account is an account of the file too: its principal
 * makes the in-account calls there itself, so its policies hold those as well as the organization's.
 * The apply policies are granted on top of the plan policies.
 */
function selects(name: PolicyName): { where: readonly (keyof Permissions)[]; access: Access } {
  const [who, what] = name.split('-') as ['management' | 'member', 'plan' | 'apply'];
  return { where: who === 'management' ? GRANT_SCOPES : [IN_ACCOUNTS], access: what === 'plan' ? 'read' : 'write' };
}

const pascal = (service: string) => service.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());

/** One statement per (service, resource, condition), actions sorted and unique: the shortest policy that says exactly this. */
export function generatePolicy(registry: Registry, name: PolicyName, values: PolicyValues): PolicyDocument {
  const { where, access } = selects(name);
  const groups = new Map<string, { service: string; resource: string; condition?: PolicyCondition; actions: Set<string> }>();
  for (const d of declaredGrants(registry)) {
    if (!where.includes(d.where) || d.grant.access !== access) continue;
    const resource = (d.grant.resource ?? '*').replace('{accessRole}', values.accessRole).replace('{readRole}', values.readRole).replace('{lockBucket}', values.lockBucket);
    for (const action of d.grant.actions) {
      const service = action.slice(0, action.indexOf(':'));
      const key = JSON.stringify([service, resource, d.grant.condition ?? null]);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { service, resource, ...(d.grant.condition ? { condition: d.grant.condition } : {}), actions: new Set() }));
      group.actions.add(action);
    }
  }
  const verb = access === 'read' ? 'Read' : 'Write';
  const seen = new Map<string, number>();
  const statements = [...groups.values()]
    .sort((a, b) => a.service.localeCompare(b.service) || a.resource.localeCompare(b.resource) || JSON.stringify(a.condition ?? {}).localeCompare(JSON.stringify(b.condition ?? {})))
    .map((g): PolicyStatement => {
      const base = `${verb}${pascal(g.service)}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return { Sid: n === 1 ? base : `${base}${n}`, Effect: 'Allow', Action: [...g.actions].sort(), Resource: g.resource, ...(g.condition ? { Condition: g.condition } : {}) };
    });
  return { Version: '2012-10-17', Statement: statements };
}

export function generatePolicies(registry: Registry, values: PolicyValues): Record<PolicyName, PolicyDocument> {
  return Object.fromEntries(POLICY_NAMES.map((n) => [n, generatePolicy(registry, n, values)])) as Record<PolicyName, PolicyDocument>;
}

/** IAM's limit on a customer managed policy: 6,144 characters, whitespace not counted. */
export const MANAGED_POLICY_CHARACTERS = 6144;

/** A document's size as IAM counts it. */
const policyCharacters = (doc: PolicyDocument) => JSON.stringify(doc).length;

/**
 * A policy cut into documents that each fit a customer managed policy, statements kept whole (a role takes
 * ten managed policies by default, and an inline policy's 10,240 characters are shared by all of a role's
 * inline policies).
 */
export function splitPolicy(doc: PolicyDocument, limit = MANAGED_POLICY_CHARACTERS): PolicyDocument[] {
  const parts: PolicyDocument[] = [];
  let current: PolicyDocument = { Version: doc.Version, Statement: [] };
  for (const statement of doc.Statement) {
    const next: PolicyDocument = { Version: doc.Version, Statement: [...current.Statement, statement] };
    if (current.Statement.length > 0 && policyCharacters(next) > limit) {
      parts.push(current);
      current = { Version: doc.Version, Statement: [statement] };
    } else current = next;
  }
  if (current.Statement.length > 0) parts.push(current);
  return parts;
}
