import * as z from 'zod';

/**
 * The manifest's one schema: the TypeScript types, the loader's validation and docs/accounts.schema.json all
 * come from here, so they cannot disagree. Ranges are AWS's own (the API would reject anything else, but only
 * halfway through an apply); each message says what AWS allows and, after HINT_SEPARATOR, what to do.
 */

/** Splits a rule's message from its hint; zod issues carry one string, so the two travel together. */
export const HINT_SEPARATOR = '\u001f';
const rule = (message: string, hint?: string): string => (hint ? `${message}${HINT_SEPARATOR}${hint}` : message);

// ---------------------------------------------------------------------------------------------- patterns

const EMAIL_SOURCE =
  "(?!\\.)(?!.*\\.\\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?<!\\.)@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,63}";
const SNS_TOPIC_SOURCE = 'arn:aws[a-z-]*:sns:[a-z]{2}(?:-[a-z]+)+-\\d:\\d{12}:[A-Za-z0-9_-]{1,256}';
export const EMAIL = new RegExp(`^${EMAIL_SOURCE}$`);
export const SNS_TOPIC_ARN = new RegExp(`^${SNS_TOPIC_SOURCE}$`);
const SUBSCRIBER = new RegExp(`^(?:${EMAIL_SOURCE}|${SNS_TOPIC_SOURCE})$`);
/** AWS's account alias rule: 3-63 characters, lowercase letters, digits, single inner hyphens. */
export const ACCOUNT_ALIAS = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;
const IAM_NAME = /^[\w+=,.@-]+$/;
const MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy\/[\w+=,.@/-]+$/;
/** AWS CreateAccount AccountName: printable ASCII. */
const ACCOUNT_NAME = /^[\u0020-\u007E]+$/;
const SEGMENT = '[^/\\s](?:[^/]{0,126}[^/\\s])?';
/** Up to five '/'-separated OU names: AWS nests OUs at most five levels below the root. */
export const UNIT_PATH = new RegExp(`^${SEGMENT}(?:/${SEGMENT}){0,4}$`);
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const PHONE = /^[\s0-9()+-]+$/;
const S3_BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TRAIL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?![._-])){1,126}[A-Za-z0-9]$/;

const EMAIL_HINT = 'write one address like name@example.com';
const emailAddress = (max: number) =>
  z
    .string()
    .max(max, rule(`must be at most ${max} characters`, 'use a shorter address'))
    .regex(EMAIL, rule('must be a valid email address', EMAIL_HINT));

const between = (min: number, max: number, what: string, hint?: string) =>
  rule(`must be between ${min} and ${max} (${what})`, hint ?? `use a whole number from ${min} to ${max}`);

const text = (min: number, max: number, what: string) =>
  z
    .string()
    .min(min, rule(`must not be empty (${what})`, 'give it a value, or remove the key'))
    .max(max, rule(`must be at most ${max} characters (${what})`, 'shorten it'));

const iamName = (max: number, what: string) =>
  text(1, max, what).regex(IAM_NAME, rule(`must use only letters, digits and + = , . @ _ - (${what})`, 'remove spaces and other characters'));

// ---------------------------------------------------------------------------------------------- items

export const iamAdminSchema = z
  .strictObject({
    user: iamName(64, "IAM user names are 1-64 characters").default('IAMADMIN').describe('IAM user created in the account.'),
    group: iamName(128, 'IAM group names are 1-128 characters').default('Administrators').describe('IAM group the user joins; the policies attach to it.'),
    policies: z
      .array(z.string().regex(MANAGED_POLICY_ARN, rule('must be a managed policy ARN', 'e.g. arn:aws:iam::aws:policy/AdministratorAccess')))
      .max(20, rule('must have at most 20 entries (IAM managed policies per group)', 'combine policies or use fewer'))
      .default(['arn:aws:iam::aws:policy/AdministratorAccess'])
      .describe('Managed policy ARNs attached to the group.'),
    consoleAccess: z.boolean().default(true).describe('Give the user a console password (login profile).'),
    requireMfa: z.boolean().default(true).describe('Attach a policy that denies everything but MFA setup until the user signs in with MFA.'),
    mfaPolicyName: iamName(128, 'IAM policy names are 1-128 characters').default('lz-require-mfa').describe('Name of the customer-managed MFA policy.'),
  })
  .describe('An administrator IAM user in a group with managed policies, optionally forced to use MFA.');

export const passwordPolicySchema = z
  .strictObject({
    minimumLength: z.int().min(6, between(6, 128, "IAM's MinimumPasswordLength range")).max(128, between(6, 128, "IAM's MinimumPasswordLength range")).default(14).describe('Minimum password length, 6-128 (CIS: 14).'),
    requireSymbols: z.boolean().default(true).describe('Require at least one symbol.'),
    requireNumbers: z.boolean().default(true).describe('Require at least one digit.'),
    requireUppercase: z.boolean().default(true).describe('Require at least one uppercase letter.'),
    requireLowercase: z.boolean().default(true).describe('Require at least one lowercase letter.'),
    allowUsersToChangePassword: z.boolean().default(true).describe('Let IAM users change their own password.'),
    maxPasswordAge: z
      .int()
      .min(1, between(1, 1095, "IAM's MaxPasswordAge range in days", 'use 1 to 1095 days, or remove the key so passwords never expire'))
      .max(1095, between(1, 1095, "IAM's MaxPasswordAge range in days", 'use 1 to 1095 days, or remove the key so passwords never expire'))
      .optional()
      .describe('Days before a password expires, 1-1095; absent = never expires.'),
    reusePrevention: z.int().min(1, between(1, 24, "IAM's PasswordReusePrevention range")).max(24, between(1, 24, "IAM's PasswordReusePrevention range")).default(24).describe('How many previous passwords cannot be reused, 1-24 (CIS: 24).'),
    hardExpiry: z.boolean().default(false).describe('Expired passwords need an administrator reset.'),
  })
  .describe("The account's IAM password policy (UpdateAccountPasswordPolicy).");

const subscribers = z
  .array(
    z.string().regex(SUBSCRIBER, rule('must be an email address or an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)', EMAIL_HINT)),
  )
  .superRefine((list, ctx) => {
    const emails = list.filter((s) => !s.startsWith('arn:')).length;
    const topics = list.length - emails;
    if (emails > 10) ctx.addIssue({ code: 'custom', message: rule(`must have at most 10 email subscribers (AWS Budgets, per notification); it has ${emails}`, 'use a distribution list, or an SNS topic') });
    if (topics > 1) ctx.addIssue({ code: 'custom', message: rule(`must have at most one SNS topic (AWS Budgets, per notification); it has ${topics}`, 'keep one topic and fan out from it') });
  })
  .describe('Who is notified: email addresses (at most 10) and at most one SNS topic ARN.');

export const budgetAlertSchema = z
  .strictObject({
    at: z.number().gt(0, rule('must be greater than 0', 'a threshold of 0 would fire at once; use e.g. 80 (percent)')).describe('Threshold: a percentage of the amount (0 < at <= 1000) or an absolute value.'),
    type: z.enum(['ACTUAL', 'FORECASTED']).default('ACTUAL').describe('Compare actual or forecasted spend.'),
    thresholdType: z.enum(['PERCENTAGE', 'ABSOLUTE_VALUE']).default('PERCENTAGE').describe('Whether `at` is a percentage or an amount.'),
    comparison: z.enum(['GREATER_THAN', 'LESS_THAN', 'EQUAL_TO']).default('GREATER_THAN').describe('How spend is compared to the threshold.'),
    notify: subscribers.optional().describe("Subscribers for this alert; replaces the budget's `notify`."),
  })
  .superRefine((alert, ctx) => {
    if (alert.thresholdType === 'PERCENTAGE' && alert.at > 1000) {
      ctx.addIssue({ code: 'custom', path: ['at'], input: alert.at, message: rule('must be at most 1000 for a PERCENTAGE threshold (AWS Budgets allows 0 < at <= 1000)', 'use a percentage such as 80 or 100, or set thresholdType: ABSOLUTE_VALUE') });
    }
  })
  .describe('A notification when spend crosses a threshold.');

export const budgetSchema = z
  .strictObject({
    name: text(1, 100, 'AWS budget names are 1-100 characters')
      .regex(/^[^:\\]+$/, rule('must not contain ":" or "\\" (AWS budget names)', 'use letters, digits, spaces and - _ .'))
      .default('lz-monthly')
      .describe('Budget name, unique within the account.'),
    amount: z.number().gt(0, rule('must be greater than 0', 'set the monthly (or per-period) limit, e.g. amount: 100')).describe('The budgeted amount per period.'),
    currency: z.string().regex(/^[A-Z]{3}$/, rule('must be a 3-letter uppercase currency code', 'e.g. USD')).default('USD').describe('ISO 4217 currency code.'),
    period: z.enum(['MONTHLY', 'QUARTERLY', 'ANNUALLY']).default('MONTHLY').describe('The budget period.'),
    alerts: z
      .array(budgetAlertSchema)
      .max(10, rule('must have at most 10 entries (AWS Budgets notifications per budget)', 'remove some alerts'))
      .default([])
      .describe('Notifications, at most 10.'),
    notify: subscribers.default([]).describe('Default subscribers for every alert.'),
  })
  .superRefine((budget, ctx) => {
    budget.alerts.forEach((alert, i) => {
      if ((alert.notify ?? budget.notify).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['alerts', i], message: rule('has nobody to notify: AWS Budgets needs at least one subscriber per notification', "add notify: [someone@example.com] to the budget or to this alert") });
      }
    });
  })
  .describe('An AWS Budgets cost budget with alerts.');

export const contactSchema = z
  .strictObject({
    name: text(1, 64, 'alternate contact names are 1-64 characters').describe('Contact name, 1-64 characters.'),
    title: text(1, 50, 'alternate contact titles are 1-50 characters').describe('Job title, 1-50 characters.'),
    email: emailAddress(254).describe('Email address, at most 254 characters.'),
    phone: text(1, 25, 'alternate contact phone numbers are 1-25 characters')
      .regex(PHONE, rule('must contain only digits, spaces and ( ) + - (AWS alternate contact phone pattern)', 'e.g. "+1 555 0100"'))
      .describe('Phone number: digits, spaces, ( ) + -; at most 25 characters.'),
  })
  .describe('An alternate contact (PutAlternateContact).');

export const contactsSchema = z
  .strictObject({
    billing: contactSchema.optional(),
    operations: contactSchema.optional(),
    security: contactSchema.optional(),
  })
  .describe('Alternate contacts by type.');

export const contactInformationSchema = z
  .strictObject({
    fullName: text(1, 50, 'AWS allows 1-50 characters').describe('Full name of the primary contact.'),
    addressLine1: text(1, 60, 'AWS allows 1-60 characters').describe('First address line.'),
    addressLine2: text(1, 60, 'AWS allows 1-60 characters').optional().describe('Second address line.'),
    addressLine3: text(1, 60, 'AWS allows 1-60 characters').optional().describe('Third address line.'),
    city: text(1, 50, 'AWS allows 1-50 characters').describe('City.'),
    stateOrRegion: text(1, 50, 'AWS allows 1-50 characters').optional().describe('State or region.'),
    districtOrCounty: text(1, 50, 'AWS allows 1-50 characters').optional().describe('District or county.'),
    postalCode: text(1, 20, 'AWS allows 1-20 characters').describe('Postal code (quote it: 02134 unquoted is the number 2134).'),
    countryCode: z.string().regex(/^[A-Z]{2}$/, rule('must be a 2-letter uppercase ISO 3166 country code', 'e.g. US, DE, NO')).describe('ISO 3166-1 alpha-2 country code.'),
    phoneNumber: text(1, 20, 'AWS allows 1-20 characters')
      .regex(/^[+][\s0-9()-]+$/, rule('must start with + and contain only digits, spaces and ( ) - (AWS contact phone pattern)', 'e.g. "+1 555 0100"'))
      .describe('Phone number in international form, starting with +.'),
    companyName: text(1, 50, 'AWS allows 1-50 characters').optional().describe('Company name.'),
    websiteUrl: text(1, 256, 'AWS allows 1-256 characters').optional().describe('Website URL.'),
  })
  .describe("The account's primary contact (PutContactInformation).");

const tagKey = z
  .string()
  .min(1, rule('must not be empty (tag keys are 1-128 characters)'))
  .max(128, rule('must be at most 128 characters (AWS tag keys)', 'shorten the key'))
  .regex(TAG_CHARS, rule('may use only letters, digits, spaces and _ . : / = + - @ (AWS tag keys)'))
  .refine((k) => !k.toLowerCase().startsWith('aws:'), rule('must not start with "aws:", which AWS reserves', 'choose another prefix'));
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

export const rootCredentialsSchema = z.enum(['keep', 'delete']).describe('Keep or delete the root user credentials (centralized root access).');

// ---------------------------------------------------------------------------------------------- overrides

type OverrideShape<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<z.ZodNullable<S[K]>> };

/**
 * The shape an account uses to override a defaults item: every key optional (it is merged over the
 * default) and nullable (`null` removes the inherited value, so the field's built-in default or absence
 * applies). Defaults are stripped so that an omitted key does not overwrite the inherited value.
 */
function overrideOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>): z.ZodObject<OverrideShape<S>, z.core.$strict> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const bare = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType);
    shape[key] = bare.nullable().optional();
  }
  return z.strictObject(shape).describe(`Override: any subset of the keys; null removes the inherited value. ${schema.description ?? ''}`.trim()) as unknown as z.ZodObject<OverrideShape<S>, z.core.$strict>;
}

// ---------------------------------------------------------------------------------------------- document

export const accountNameSchema = z
  .string()
  .min(1, rule('must not be empty'))
  .max(50, rule('must be at most 50 characters (AWS account names)', 'shorten the name'))
  .regex(ACCOUNT_NAME, rule('must use printable ASCII characters only (AWS account names)', 'remove accents, emoji and tabs'));

export const unitPathSchema = z
  .string()
  .regex(
    UNIT_PATH,
    rule(
      "must be an OU path like Workloads/Prod: '/'-separated names of 1-128 characters, no empty name, no leading or trailing '/' or space, at most 5 levels",
      'write it as Parent/Child, e.g. Workloads/NonProd',
    ),
  );

const accountEmailSchema = z
  .string()
  .min(6, rule('must be at least 6 characters (AWS account emails)'))
  .max(64, rule('must be at most 64 characters (AWS account emails)', 'use a shorter address, e.g. with a +suffix on a short mailbox'))
  .regex(EMAIL, rule('must be a valid email address', 'e.g. aws+production@example.com'));

const aliasSchema = z
  .string()
  .regex(ACCOUNT_ALIAS, rule('must be 3-63 lowercase letters, digits and single hyphens, not starting or ending with a hyphen (AWS account alias rule)', 'e.g. example-production'));

export const organizationSchema = z
  .strictObject({
    management: accountNameSchema.describe('Name of the management account; it must be listed in `accounts`.'),
    accessRole: iamName(64, 'IAM role names are 1-64 characters').default('OrganizationAccountAccessRole').describe('Role lz assumes in member accounts.'),
    units: z.array(unitPathSchema).default([]).describe("OU paths, '/'-separated; parents are implied."),
    emailPattern: z
      .string()
      .regex(/^[^@\s]*\{name\}[^@\s]*@[^@\s]+\.[^@\s]+$/, rule('must be an email address containing {name} in its local part', 'e.g. aws+{name}@example.com'))
      .optional()
      .describe('Email for new accounts; {name} is the lowercased account name (used by `lz onboard`).'),
    logArchive: accountNameSchema.optional().describe('Account that holds organization-level logs; must be listed in `accounts`.'),
    trail: z
      .strictObject({
        name: z.string().regex(TRAIL_NAME, rule('must be 3-128 letters, digits, . _ -, starting and ending with a letter or digit (CloudTrail names)')).default('lz-organization-trail').describe('Trail name.'),
        bucket: z.string().regex(S3_BUCKET, rule('must be a valid S3 bucket name (3-63 lowercase letters, digits, . and -)')).optional().describe('S3 bucket for the trail; lz names one when absent.'),
        enabled: z.boolean().default(true).describe('Whether the trail should exist.'),
      })
      .optional()
      .describe('An organization CloudTrail trail.'),
    costExport: z
      .strictObject({
        name: z.string().regex(/^[0-9A-Za-z!_.*'()-]{1,128}$/, rule("must be 1-128 letters, digits and ! - _ . * ' ( ) (Data Exports names)")).default('lz-cost-export').describe('Export name.'),
        bucket: z.string().regex(S3_BUCKET, rule('must be a valid S3 bucket name (3-63 lowercase letters, digits, . and -)')).optional().describe('S3 bucket for the export; lz names one when absent.'),
        enabled: z.boolean().default(true).describe('Whether the export should exist.'),
      })
      .optional()
      .describe('A cost and usage data export.'),
    rootAccess: z
      .strictObject({ centralized: z.boolean().default(true).describe('Manage member accounts\' root users centrally.') })
      .optional()
      .describe('Centralized root access for member accounts.'),
    lock: z
      .strictObject({ bucket: z.string().regex(S3_BUCKET, rule('must be a valid S3 bucket name (3-63 lowercase letters, digits, . and -)')).describe('S3 bucket holding the lock object.') })
      .optional()
      .describe('An S3 lock so that two CI runs never apply at once.'),
  })
  .describe('The organization: its management account, OUs and organization-level items.');

export const defaultsSchema = z
  .strictObject({
    iamAdmin: iamAdminSchema.optional(),
    passwordPolicy: passwordPolicySchema.optional(),
    budget: budgetSchema.optional(),
    budgets: z.array(budgetSchema).optional().describe('Additional budgets (full objects).'),
    contacts: contactsSchema.optional(),
    contactInformation: contactInformationSchema.optional(),
    billingAccess: z.boolean().optional().describe('IAM user and role access to billing (IamUserAccessToBilling); true when absent.'),
    tags: tagsSchema.optional(),
    rootCredentials: rootCredentialsSchema.optional().describe('keep | delete the root user credentials; keep when absent.'),
  })
  .describe('The baseline every account gets unless it overrides it.');

export const accountSchema = z
  .strictObject({
    name: accountNameSchema.describe('Account name, 1-50 printable ASCII characters, unique (case-insensitive).'),
    email: accountEmailSchema.describe("Root user's email, 6-64 characters, unique (case-insensitive)."),
    unit: unitPathSchema.optional().describe('OU path the account sits in; absent = the root.'),
    alias: aliasSchema.optional().describe('IAM account alias (sign-in URL), unique.'),
    tags: z
      .record(tagKey, tagValue.nullable())
      .refine((t) => Object.keys(t).length <= 50, tooManyTags)
      .meta({ maxProperties: 50 })
      .optional()
      .describe('Tags merged over defaults.tags; a null value removes an inherited tag.'),
    iamAdmin: overrideOf(iamAdminSchema).nullable().optional(),
    passwordPolicy: overrideOf(passwordPolicySchema).nullable().optional(),
    budget: overrideOf(budgetSchema).nullable().optional(),
    budgets: z.array(budgetSchema).nullable().optional().describe('Additional budgets; replaces defaults.budgets.'),
    contacts: z
      .strictObject({
        billing: overrideOf(contactSchema).nullable().optional(),
        operations: overrideOf(contactSchema).nullable().optional(),
        security: overrideOf(contactSchema).nullable().optional(),
      })
      .nullable()
      .optional()
      .describe('Alternate contacts, merged over defaults.contacts.'),
    contactInformation: overrideOf(contactInformationSchema).nullable().optional(),
    billingAccess: z.boolean().optional().describe('Overrides defaults.billingAccess.'),
    rootCredentials: rootCredentialsSchema.optional(),
  })
  .describe('One AWS account: identity and placement, plus overrides of any `defaults` item.');

export const manifestSchema = z
  .strictObject({
    organization: organizationSchema,
    defaults: defaultsSchema.default({}),
    accounts: z.array(accountSchema).min(1, rule('must list at least one account', 'list the management account at least')).describe('The accounts, in the order lz reports them.'),
  })
  .meta({ title: 'lz accounts.yaml', description: 'The lz manifest: one AWS organization, its OUs, its accounts and their baseline. See docs/manifest.md.' });

/**
 * An account after `defaults` is merged in: what each account actually gets. Not part of the document
 * (and not in the JSON Schema); the loader parses each merged account with it to fill field defaults.
 */
export const resolvedAccountSchema = z
  .strictObject({
    name: accountNameSchema,
    email: accountEmailSchema,
    unit: unitPathSchema.optional(),
    alias: aliasSchema.optional(),
    tags: tagsSchema.default({}),
    iamAdmin: iamAdminSchema.optional(),
    passwordPolicy: passwordPolicySchema.optional(),
    budget: budgetSchema.optional(),
    budgets: z.array(budgetSchema).default([]),
    contacts: contactsSchema.default({}),
    contactInformation: contactInformationSchema.optional(),
    billingAccess: z.boolean().default(true),
    rootCredentials: rootCredentialsSchema.default('keep'),
  })
  .superRefine((account, ctx) => {
    const seen = new Set<string>();
    const all = [...(account.budget ? [account.budget] : []), ...account.budgets];
    all.forEach((budget, i) => {
      if (seen.has(budget.name)) {
        const path = account.budget ? ['budgets', i - 1, 'name'] : ['budgets', i, 'name'];
        ctx.addIssue({ code: 'custom', path, input: budget.name, message: rule('is used by another budget of this account; AWS budget names are unique per account', 'give each budget its own name') });
      }
      seen.add(budget.name);
    });
  });

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;
export type IamAdmin = z.output<typeof iamAdminSchema>;
export type PasswordPolicy = z.output<typeof passwordPolicySchema>;
export type Budget = z.output<typeof budgetSchema>;
export type Contact = z.output<typeof contactSchema>;
export type ContactInformation = z.output<typeof contactInformationSchema>;
export type ResolvedAccountData = z.output<typeof resolvedAccountSchema>;
