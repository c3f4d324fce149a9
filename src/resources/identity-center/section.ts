import * as z from 'zod';
import { LzError } from '../../errors.js';
import { MANAGED_POLICY_ARN, accountNameSchema, rule, tagsSchema, text, regionNameSchema, unitPathSchema } from '../../manifest/schema.js';
import { organizationSection, type OrganizationCheckInput, type OrganizationSection } from '../../manifest/sections.js';
import type { Manifest, ResolvedAccount } from '../../manifest/types.js';
import { IDENTITY_POLICY, loadDocument, type DocumentFacts, type LoadedDocument } from '../organization-policies/documents.js';

/**
 * `organization.identityCenter`: IAM Identity Center's permission sets and who gets which in which accounts
 * (docs/identity-center.md). One section, since assignments name permission sets and both live in one
 * instance: its Region is said once.
 */

/** AWS IAM Identity Center's quotas (User Guide, "IAM Identity Center quotas"). */
export const LIMITS = {
  /** Permission sets per instance (adjustable: lz checks the default). */
  permissionSets: 2000,
  /** AWS managed and customer managed policies together per permission set (not adjustable). */
  policiesPerSet: 20,
  /** Inline policy per permission set, in bytes, and its characters other than whitespace. */
  inlineBytes: 32_768,
  inlineNonWhitespace: 10_240,
  /** Permission sets provisioned to one account (adjustable: lz checks the default). */
  setsPerAccount: 250,
} as const;

/** CreatePermissionSet: Name. */
const SET_NAME = /^[\w+=,.@-]+$/;
/** CreatePermissionSet: Description (tab, newline and Latin-1 printable characters). */
// eslint-disable-next-line no-control-regex -- AWS's pattern allows tab, newline and carriage return
const DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
/** ISO 8601 durations of whole hours and minutes: AWS accepts PT1H to PT12H. */
const DURATION = /^PT(?:(\d+)H)?(?:(\d+)M)?$/;
const POLICY_PATH = /^\/(?:[\u0021-\u007E]{0,510}\/)?$/;

/** Minutes in an ISO 8601 duration lz accepts (PT2H, PT1H30M), or undefined. */
export function durationMinutes(value: string): number | undefined {
  const m = DURATION.exec(value);
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

const customerPolicySchema = z
  .strictObject({
    name: text(1, 128, 'IAM policy names').describe('The customer managed policy\'s name; it must exist in every account the set is provisioned to.'),
    path: z.string().regex(POLICY_PATH, rule('must start and end with / (IAM policy paths)', 'e.g. / or /team/')).default('/').describe('Its IAM path (default /).'),
  })
  .describe('A customer managed policy, by name and path, attached in each account the set reaches.');

const boundarySchema = z
  .strictObject({
    managedPolicy: z.string().regex(MANAGED_POLICY_ARN, rule('must be a managed policy ARN', 'e.g. arn:aws:iam::aws:policy/PowerUserAccess')).optional().describe('An AWS managed policy ARN.'),
    customerManagedPolicy: customerPolicySchema.optional(),
  })
  .refine((b) => (b.managedPolicy === undefined) !== (b.customerManagedPolicy === undefined), rule('give exactly one of managedPolicy and customerManagedPolicy'))
  .describe('The permissions boundary of the role the set becomes in each account.');

const permissionSetSchema = z
  .strictObject({
    name: z
      .string()
      .min(1, rule('must not be empty (permission set names are 1-32 characters)'))
      .max(32, rule('must be at most 32 characters (permission set names)', 'shorten it'))
      .regex(SET_NAME, rule('must use only letters, digits and + = , . @ _ - (permission set names)', 'remove spaces and other characters'))
      .describe('The permission set\'s name, unique in the instance: the role in each account is AWSReservedSSO_<name>_<suffix>.'),
    description: z
      .string()
      .min(1, rule('must not be empty (remove the key instead)'))
      .max(700, rule('must be at most 700 characters (permission set descriptions)'))
      .regex(DESCRIPTION, rule('must use printable Latin-1 characters (permission set descriptions)'))
      .optional()
      .describe('What the permission set is for.'),
    sessionDuration: z
      .string()
      .refine((d) => {
        const m = durationMinutes(d);
        return m !== undefined && m >= 60 && m <= 720;
      }, rule('must be an ISO 8601 duration from PT1H to PT12H (AWS\'s session duration range)', 'e.g. PT1H, PT4H, PT8H30M'))
      .default('PT1H')
      .describe('How long a sign-in lasts, ISO 8601 (PT1H to PT12H; AWS\'s default PT1H).'),
    managedPolicies: z
      .array(z.string().regex(MANAGED_POLICY_ARN, rule('must be a managed policy ARN', 'e.g. arn:aws:iam::aws:policy/ReadOnlyAccess')))
      .default([])
      .describe('AWS managed policies, by ARN.'),
    customerManagedPolicies: z.array(customerPolicySchema).default([]).describe('Customer managed policies, by name and path, in each account.'),
    inlinePolicy: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .describe('The inline policy, inline: a YAML mapping, or JSON in a string.'),
    inlinePolicyFile: z.string().min(1).optional().describe('A JSON file holding the inline policy, relative to accounts.yaml.'),
    permissionsBoundary: boundarySchema.optional(),
    relayState: text(1, 240, 'relay states').optional().describe('Where the console opens after sign-in (a URL).'),
    tags: tagsSchema.default({}).describe('Tags on the permission set (lz adds lz:managed).'),
  })
  .refine((s) => s.inlinePolicy === undefined || s.inlinePolicyFile === undefined, { message: rule('give inlinePolicy or inlinePolicyFile, not both'), path: ['inlinePolicyFile'] })
  .describe('A permission set: the role people take in the accounts they are assigned.');

const assignmentSchema = z
  .strictObject({
    group: z.string().min(1).max(1024).optional().describe("A group of the identity store, by its DisplayName."),
    user: z.string().min(1).max(128).optional().describe('A user of the identity store, by its UserName.'),
    permissionSet: z.string().min(1).describe('A permission set declared in permissionSets, by name.'),
    all: z.boolean().default(false).describe('Every account in the file (closed ones excepted).'),
    units: z.array(unitPathSchema).default([]).describe('Every account below these OU paths (recomputed as accounts move or join).'),
    accounts: z.array(accountNameSchema).default([]).describe('Accounts, by their name in this file.'),
  })
  .refine((a) => (a.group === undefined) !== (a.user === undefined), rule('give exactly one of group and user'))
  .refine((a) => a.all || a.units.length > 0 || a.accounts.length > 0, rule('name where: all: true, units or accounts'))
  .describe('A group or user gets a permission set in the accounts named.');

const groupSchema = z
  .strictObject({
    name: z.string().min(1).max(1024).describe('The group\'s DisplayName.'),
    description: z.string().min(1).max(1024).optional().describe('Its description, when lz creates it.'),
    create: z.boolean().default(false).describe('Create it when missing (only in Identity Center\'s own directory); otherwise it must exist.'),
  })
  .describe('A group of the identity store lz may create.');

export const identityCenterSchema = z
  .strictObject({
    region: regionNameSchema.optional().describe("Identity Center's home Region (the run's Region by default)."),
    groups: z.array(groupSchema).default([]).describe('Groups lz creates when missing (`create: true`).'),
    permissionSets: z.array(permissionSetSchema).default([]).describe('Permission sets lz keeps as written (tagged lz:managed).'),
    assignments: z.array(assignmentSchema).default([]).describe('Who gets which permission set where.'),
  })
  .optional()
  .describe('IAM Identity Center: permission sets and account assignments (docs/identity-center.md).');

export type IdentityCenterConfig = NonNullable<z.output<typeof identityCenterSchema>>;
type PermissionSetEntry = IdentityCenterConfig['permissionSets'][number];

export const identityCenterSection: OrganizationSection<IdentityCenterConfig | undefined> = organizationSection({
  key: 'identityCenter',
  schema: identityCenterSchema,
  check: (input) => checkIdentityCenter(input),
});

const INLINE_FACTS: DocumentFacts = { type: IDENTITY_POLICY, title: 'inline policy', grammar: 'iam' };
const NO_PRESETS = { accessRole: '', trailName: '', buckets: [] };

function inlineOf(entry: PermissionSetEntry, dir: string) {
  if (entry.inlinePolicy === undefined && entry.inlinePolicyFile === undefined) return undefined;
  return loadDocument({ ...(entry.inlinePolicy !== undefined ? { document: entry.inlinePolicy } : { file: entry.inlinePolicyFile! }) }, INLINE_FACTS, dir, NO_PRESETS);
}

/** A customer managed policy reference, as AWS returns and takes it. */
export interface PolicyRef {
  name: string;
  path: string;
}

/** One permission set the file declares, its inline policy loaded. */
export interface DesiredSet {
  index: number;
  name: string;
  description?: string;
  sessionDuration: string;
  relayState?: string;
  managedPolicies: string[];
  customerManagedPolicies: PolicyRef[];
  inline?: LoadedDocument;
  boundary?: { managedPolicy?: string; customerManagedPolicy?: PolicyRef };
  tags: Record<string, string>;
}

export type PrincipalType = 'GROUP' | 'USER';

/** One (permission set, principal, account) the file wants. */
export interface DesiredAssignment {
  permissionSet: string;
  principalType: PrincipalType;
  principal: string;
  account: string;
  /** The assignments[] entry it comes from. */
  index: number;
}

/** Whether `account` is below `unit` (or in it). */
export const inUnit = (account: ResolvedAccount, unit: string) => account.unit !== undefined && (account.unit === unit || account.unit.startsWith(`${unit}/`));

/** The accounts an assignment entry reaches, by name; closed accounts get nothing. */
export function accountsOf(entry: IdentityCenterConfig['assignments'][number], accounts: readonly ResolvedAccount[]): string[] {
  const named = new Set(entry.accounts);
  return accounts.filter((a) => !a.closed && (entry.all || named.has(a.name) || entry.units.some((u) => inUnit(a, u)))).map((a) => a.name);
}

export function desiredSets(config: IdentityCenterConfig | undefined, dir: string): DesiredSet[] {
  return (config?.permissionSets ?? []).map((entry, index) => {
    const loaded = inlineOf(entry, dir);
    if (loaded && !loaded.ok) throw new LzError('identity-center.inline-policy', `organization.identityCenter.permissionSets[${index}] (${entry.name}): ${loaded.message}`, { hint: 'run lz validate' });
    return {
      index,
      name: entry.name,
      ...(entry.description !== undefined ? { description: entry.description } : {}),
      sessionDuration: entry.sessionDuration,
      ...(entry.relayState !== undefined ? { relayState: entry.relayState } : {}),
      managedPolicies: [...entry.managedPolicies],
      customerManagedPolicies: entry.customerManagedPolicies.map((p) => ({ name: p.name, path: p.path })),
      ...(loaded?.ok ? { inline: loaded.document } : {}),
      ...(entry.permissionsBoundary ? { boundary: entry.permissionsBoundary } : {}),
      tags: { ...entry.tags },
    };
  });
}

export function desiredAssignments(config: IdentityCenterConfig | undefined, accounts: readonly ResolvedAccount[]): DesiredAssignment[] {
  const seen = new Set<string>();
  const out: DesiredAssignment[] = [];
  (config?.assignments ?? []).forEach((entry, index) => {
    const principalType: PrincipalType = entry.group !== undefined ? 'GROUP' : 'USER';
    const principal = (entry.group ?? entry.user)!;
    for (const account of accountsOf(entry, accounts)) {
      const key = `${entry.permissionSet}|${principalType}|${principal}|${account}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ permissionSet: entry.permissionSet, principalType, principal, account, index });
    }
  });
  return out;
}

export const identityCenterOf = (manifest: Manifest): IdentityCenterConfig | undefined => identityCenterSection.of({ manifest });

function checkIdentityCenter(input: OrganizationCheckInput<IdentityCenterConfig | undefined>): void {
  const config = input.value;
  if (!config) return;
  const { report } = input;
  const units = new Set(input.units);
  const accounts = new Set(input.accounts.map((a) => a.name));
  const names = new Map<string, number>();
  if (config.permissionSets.length > LIMITS.permissionSets) {
    report(['permissionSets'], { code: 'identity-center.too-many-sets', message: `${config.permissionSets.length} permission sets; IAM Identity Center allows ${LIMITS.permissionSets} per instance by default`, hint: 'merge permission sets, or raise the quota and split the file' });
  }
  config.permissionSets.forEach((entry, i) => {
    const seen = names.get(entry.name);
    if (seen !== undefined) report(['permissionSets', i, 'name'], { code: 'identity-center.duplicate-set', message: `permission set "${entry.name}" is declared twice (also entry ${seen + 1})`, hint: 'names are unique in the instance: rename one or merge them' });
    else names.set(entry.name, i);
    const policies = entry.managedPolicies.length + entry.customerManagedPolicies.length;
    if (policies > LIMITS.policiesPerSet) {
      report(['permissionSets', i, 'managedPolicies'], { code: 'identity-center.too-many-policies', message: `permission set "${entry.name}" has ${policies} managed and customer managed policies; IAM Identity Center allows at most ${LIMITS.policiesPerSet} (and IAM 10 per role unless raised)`, hint: 'merge policies, or move statements into the inline policy' });
    }
    const loaded = inlineOf(entry, input.dir);
    const at = entry.inlinePolicy !== undefined ? 'inlinePolicy' : 'inlinePolicyFile';
    if (loaded && !loaded.ok) {
      report(['permissionSets', i, at], { code: 'identity-center.inline-policy', message: `permission set "${entry.name}": ${loaded.message}`, ...(loaded.hint ? { hint: loaded.hint } : {}) });
    } else if (loaded?.ok) {
      const bytes = Buffer.byteLength(loaded.document.content, 'utf8');
      const nonWhitespace = loaded.document.content.replace(/\s/g, '').length;
      if (bytes > LIMITS.inlineBytes || nonWhitespace > LIMITS.inlineNonWhitespace) {
        report(['permissionSets', i, at], {
          code: 'identity-center.inline-too-large',
          message: `permission set "${entry.name}": its inline policy is ${nonWhitespace} characters other than whitespace (${bytes} bytes); IAM Identity Center allows ${LIMITS.inlineNonWhitespace} (and ${LIMITS.inlineBytes} bytes)`,
          hint: 'move statements into customer managed policies, or use wildcards in actions',
        });
      }
    }
  });
  const perAccount = new Map<string, Set<string>>();
  config.assignments.forEach((entry, i) => {
    if (!names.has(entry.permissionSet)) report(['assignments', i, 'permissionSet'], { code: 'identity-center.unknown-set', message: `permission set "${entry.permissionSet}" is not declared in identityCenter.permissionSets`, hint: 'declare it, or fix the name' });
    entry.units.forEach((u, j) => {
      if (!units.has(u)) report(['assignments', i, 'units', j], { code: 'identity-center.unknown-unit', message: `unit "${u}" is not declared in organization.units`, hint: 'add it to organization.units, or fix the path' });
    });
    entry.accounts.forEach((a, j) => {
      if (!accounts.has(a)) report(['assignments', i, 'accounts', j], { code: 'identity-center.unknown-account', message: `account "${a}" is not listed in accounts`, hint: 'name accounts as this file does' });
    });
    for (const account of accountsOf(entry, input.accounts)) {
      const sets = perAccount.get(account) ?? new Set<string>();
      sets.add(entry.permissionSet);
      perAccount.set(account, sets);
      if (sets.size === LIMITS.setsPerAccount + 1) report(['assignments', i], { code: 'identity-center.too-many-in-account', message: `account ${account} would have ${sets.size} permission sets provisioned; IAM Identity Center allows ${LIMITS.setsPerAccount} per account by default`, hint: 'use fewer permission sets there' });
    }
  });
  config.groups.forEach((g, i) => {
    if (config.groups.findIndex((o) => o.name === g.name) !== i) report(['groups', i, 'name'], { code: 'identity-center.duplicate-group', message: `group "${g.name}" is declared twice` });
  });
}
