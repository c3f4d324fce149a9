import * as z from 'zod';
import { withoutDefault, type ManifestSections } from './sections.js';

/**
 * The manifest's one schema: the TypeScript types, the loader's validation and docs/accounts.schema.json all
 * come from here and from the sections the resource modules declare (src/manifest/sections.ts), so they
 * cannot disagree. This file holds the file's frame (organization, account identity, tags) and the rules
 * every section writes its schema with. Ranges are AWS's own (the API would reject anything else, but only
 * halfway through an apply); each message says what AWS allows and, after HINT_SEPARATOR, what to do.
 */

/** Splits a rule's message from its hint; zod issues carry one string, so the two travel together. */
export const HINT_SEPARATOR = '\u001f';
export const rule = (message: string, hint?: string): string => (hint ? `${message}${HINT_SEPARATOR}${hint}` : message);

// ---------------------------------------------------------------------------------------------- patterns

const EMAIL_SOURCE =
  "(?!\\.)(?!.*\\.\\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?<!\\.)@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,63}";
const SNS_TOPIC_SOURCE = 'arn:aws[a-z-]*:sns:[a-z]{2}(?:-[a-z]+)+-\\d:\\d{12}:[A-Za-z0-9_-]{1,256}';
export const EMAIL = new RegExp(`^${EMAIL_SOURCE}$`);
export const SUBSCRIBER = new RegExp(`^(?:${EMAIL_SOURCE}|${SNS_TOPIC_SOURCE})$`);
/** AWS's account alias rule: 3-63 characters, lowercase letters, digits, single inner hyphens. */
export const ACCOUNT_ALIAS = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;
const IAM_NAME = /^[\w+=,.@-]+$/;
export const MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy\/[\w+=,.@/-]+$/;
/** AWS CreateAccount AccountName: printable ASCII. */
const ACCOUNT_NAME = /^[\u0020-\u007E]+$/;
const SEGMENT = '[^/\\s](?:[^/]{0,126}[^/\\s])?';
/** Up to five '/'-separated OU names: AWS nests OUs at most five levels below the root. */
export const UNIT_PATH = new RegExp(`^${SEGMENT}(?:/${SEGMENT}){0,4}$`);
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const PHONE = /^[\s0-9()+-]+$/;
const S3_BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const TRAIL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?![._-])){1,126}[A-Za-z0-9]$/;

export const EMAIL_HINT = 'write one address like name@example.com';
export const emailAddress = (max: number) =>
  z
    .string()
    .max(max, rule(`must be at most ${max} characters`, 'use a shorter address'))
    .regex(EMAIL, rule('must be a valid email address', EMAIL_HINT));

export const between = (min: number, max: number, what: string, hint?: string) =>
  rule(`must be between ${min} and ${max} (${what})`, hint ?? `use a whole number from ${min} to ${max}`);

export const text = (min: number, max: number, what: string) =>
  z
    .string()
    .min(min, rule(`must not be empty (${what})`, 'give it a value, or remove the key'))
    .max(max, rule(`must be at most ${max} characters (${what})`, 'shorten it'));

export const iamName = (max: number, what: string) =>
  text(1, max, what).regex(IAM_NAME, rule(`must use only letters, digits and + = , . @ _ - (${what})`, 'remove spaces and other characters'));

// ---------------------------------------------------------------------------------------------- tags

const tagKey = z
  .string()
  .min(1, rule('must not be empty (tag keys are 1-128 characters)'))
  .max(128, rule('must be at most 128 characters (AWS tag keys)', 'shorten the key'))
  .regex(TAG_CHARS, rule('may use only letters, digits, spaces and _ . : / = + - @ (AWS tag keys)'))
  .refine((k) => !k.toLowerCase().startsWith('aws:'), rule('must not start with "aws:", which AWS reserves', 'choose another prefix'))
  // lz keeps its own bookkeeping in tags starting lz: (an account's pending email change).
  .refine((k) => !k.toLowerCase().startsWith('lz:'), rule('must not start with "lz:", which lz reserves for its own tags', 'choose another prefix'));
const tagValue = z
  .string()
  .max(256, rule('must be at most 256 characters (AWS tag values)', 'shorten the value'))
  .regex(TAG_CHARS, rule('may use only letters, digits, spaces and _ . : / = + - @ (AWS tag values)'));
const tooManyTags = rule('must have at most 50 entries (AWS tags per resource)', 'remove some tags');

export const tagsSchema = z
  .record(tagKey, tagValue)
  .refine((t) => Object.keys(t).length <= 50, tooManyTags)
  .meta({ maxProperties: 50 })
  .describe('Tags, merged with the defaults (the account wins on a shared key).');

// ---------------------------------------------------------------------------------------------- document

export const accountNameSchema = z
  .string()
  .min(1, rule('must not be empty'))
  .max(50, rule('must be at most 50 characters (AWS account names)', 'shorten the name'))
  .regex(ACCOUNT_NAME, rule('must use printable ASCII characters only (AWS account names)', 'remove accents, emoji and tabs'))
  .refine((n) => n.trim() === n, rule('must not start or end with a space', 'remove the leading or trailing spaces (quote the name if it ends in one)'));

/** Characters that are invisible or reorder the text around them, so a name would not read as it is. */
const CONTROL_OR_BIDI = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2069\u061C\uFEFF]/u;

export const unitPathSchema = z
  .string()
  .regex(
    UNIT_PATH,
    rule(
      "must be an OU path like Workloads/Prod: '/'-separated names of 1-128 characters, no empty name, no leading or trailing '/' or space, at most 5 levels",
      'write it as Parent/Child, e.g. Workloads/NonProd',
    ),
  )
  .refine(
    (p) => !CONTROL_OR_BIDI.test(p),
    rule('must not contain control, zero-width or bidirectional-override characters (they hide what the OU is called)', 'retype the path with plain characters'),
  )
  .refine(
    (p) => !p.split('/').some((seg) => seg === '.' || seg === '..'),
    rule("must not have a '.' or '..' name: a path is OU names, not a file path (lz would create an OU named '..')", 'write the full path from the root, e.g. Workloads/Prod'),
  );

const accountEmailSchema = z
  .string()
  .min(6, rule('must be at least 6 characters (AWS account emails)'))
  .max(64, rule('must be at most 64 characters (AWS account emails)', 'use a shorter address, e.g. with a +suffix on a short mailbox'))
  .regex(EMAIL, rule('must be a valid email address', 'e.g. aws+production@example.com'));

/** An AWS Region's name (us-east-1, ap-southeast-2). */
export const regionNameSchema = z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, rule('must be a Region name', 'e.g. us-east-1'));

export const bucketNameSchema = z.string().regex(S3_BUCKET, rule('must be a valid S3 bucket name (3-63 lowercase letters, digits, . and -)'));

/** What the loader itself reads under `organization`; the rest are the modules' sections. */
const organizationFrame = {
  management: accountNameSchema.describe('Name of the management account; it must be listed in `accounts`.'),
  accessRole: iamName(64, 'IAM role names are 1-64 characters').default('OrganizationAccountAccessRole').describe('Role lz assumes in member accounts.'),
  readRole: iamName(64, 'IAM role names are 1-64 characters')
    .optional()
    .describe('Role plan and drift assume in member accounts instead, one that can only read (lz bootstrap deploys it); default: accessRole.'),
  units: z.array(unitPathSchema).default([]).describe("OU paths, '/'-separated; parents are implied."),
  emailPattern: z
    .string()
    .regex(/^[^@\s]*\{name\}[^@\s]*@[^@\s]+\.[^@\s]+$/, rule('must be an email address containing {name} in its local part', 'e.g. aws+{name}@example.com'))
    .optional()
    .describe('Email for new accounts; {name} is the lowercased account name (used by `lz onboard`).'),
  lock: z
    .strictObject({ bucket: bucketNameSchema.describe('S3 bucket holding the lock object.') })
    .optional()
    .describe('An S3 lock so that two CI runs never apply at once.'),
  quarantineUnit: unitPathSchema
    .default('Quarantine')
    .describe('OU a closed account is moved to (under a deny-all service control policy) before it is closed.'),
};

/** An account's identity and placement: what the loader itself reads in an `accounts[]` entry. */
const accountFrame = {
  name: accountNameSchema.describe('Account name, 1-50 printable ASCII characters, unique (case-insensitive).'),
  email: accountEmailSchema.describe("Root user's email, 6-64 characters, unique (case-insensitive)."),
  unit: unitPathSchema.optional().describe('OU path the account sits in; absent = the root.'),
  id: z
    .string()
    .regex(/^\d{12}$/, rule('must be a 12-digit account id', 'e.g. id: "123456789012"'))
    .optional()
    .describe('The AWS account id, once known (lz import writes it): pins the match, so a rename and an email change in one edit stay one account.'),
  closed: z
    .boolean()
    .optional()
    .describe('true: the account is closed (moved to organization.quarantineUnit, then CloseAccount; apply needs --allow-close), and kept in the file as a record.'),
};

const sectionShape = (entries: [string, z.ZodType][]) => Object.fromEntries(entries) as Record<string, z.ZodType>;

/** The whole document's schema: the frame plus every section, in the registry's order. */
export function buildManifestSchema(sections: ManifestSections) {
  const organization = z
    .strictObject({ ...organizationFrame, ...sectionShape(sections.organization.map((s) => [s.key, s.schema])) })
    .describe('The organization: its management account, OUs and organization-level items.');
  const defaults = z
    .strictObject({
      ...sectionShape(sections.account.filter((s) => s.inherit !== 'none').map((s) => [s.key, withoutDefault(s.schema).optional()])),
      tags: tagsSchema.optional(),
    })
    .describe('The baseline every account gets unless it overrides it.');
  const account = z
    .strictObject({
      ...accountFrame,
      tags: z
        .record(tagKey, tagValue.nullable())
        .refine((t) => Object.keys(t).length <= 50, tooManyTags)
        .meta({ maxProperties: 50 })
        .optional()
        .describe('Tags merged over defaults.tags; a null value removes an inherited tag.'),
      ...sectionShape(sections.account.map((s) => [s.key, s.override])),
    })
    .describe('One AWS account: identity and placement, plus overrides of any `defaults` item.');
  return z
    .strictObject({
      organization,
      defaults: defaults.default({}),
      accounts: z.array(account).min(1, rule('must list at least one account', 'list the management account at least')).describe('The accounts, in the order lz reports them.'),
    })
    .meta({ title: 'lz accounts.yaml', description: 'The lz manifest: one AWS organization, its OUs, its accounts and their baseline. See docs/manifest.md.' });
}

/**
 * An account after `defaults` is merged in: what each account actually gets. Not part of the document (and
 * not in the JSON Schema); the loader parses each merged account with it to fill field defaults.
 */
export function buildResolvedAccountSchema(sections: ManifestSections) {
  return z.strictObject({
    ...accountFrame,
    tags: tagsSchema.default({}),
    ...sectionShape(sections.account.map((s) => [s.key, s.schema instanceof z.ZodDefault ? s.schema : s.schema.optional()])),
  });
}
