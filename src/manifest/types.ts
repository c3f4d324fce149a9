import type { SourceLocation } from '../errors.js';
import type { Contact, ContactInformation, IamAdmin, Manifest, PasswordPolicy } from './schema.js';

export type { Contact, ContactInformation, Manifest };

export type ResolvedIamAdmin = IamAdmin;

/** Every field present; `maxPasswordAge` undefined means passwords never expire. */
export type ResolvedPasswordPolicy = PasswordPolicy;

export interface ResolvedBudgetAlert {
  at: number;
  type: 'ACTUAL' | 'FORECASTED';
  thresholdType: 'PERCENTAGE' | 'ABSOLUTE_VALUE';
  comparison: 'GREATER_THAN' | 'LESS_THAN' | 'EQUAL_TO';
  /** The alert's own subscribers, or else the budget's. Never empty. */
  notify: string[];
}

export interface ResolvedBudget {
  name: string;
  amount: number;
  currency: string;
  period: 'MONTHLY' | 'QUARTERLY' | 'ANNUALLY';
  alerts: ResolvedBudgetAlert[];
}

/** One account with `defaults` merged in and every field default filled: what lz makes true in AWS. */
export interface ResolvedAccount {
  name: string;
  email: string;
  /** OU path; undefined = the organization root. */
  unit?: string;
  alias?: string;
  tags: Record<string, string>;
  billingAccess: boolean;
  management: boolean;
  /** Position in accounts[]. */
  index: number;
  /** Undefined when switched off (`iamAdmin: null`) or never declared. */
  iamAdmin?: ResolvedIamAdmin;
  passwordPolicy?: ResolvedPasswordPolicy;
  /** `budget` (unless null) first, then `budgets[]`. */
  budgets: ResolvedBudget[];
  contacts: { billing?: Contact; operations?: Contact; security?: Contact };
  contactInformation?: ContactInformation;
  rootCredentials: 'keep' | 'delete';
}

export interface LoadedManifest {
  /** The path as given, for messages. */
  file: string;
  /** The document as parsed, with field defaults filled (accounts hold their overrides, not yet merged). */
  manifest: Manifest;
  /** In file order, defaults merged. */
  accounts: ResolvedAccount[];
  /** Every OU path, parents included, parents before children. */
  units: string[];
  management: ResolvedAccount;
  accessRole: string;
  /** Where a node of the document starts, for errors found later (e.g. during plan). */
  locate(path: (string | number)[]): SourceLocation | undefined;
}
