import type { LimitFunction } from 'p-limit';
import type { z } from 'zod';
import type { AccountClients, AwsContext } from '../aws/context.js';
import type { Logger } from '../log.js';
import type { LoadedManifest, ResolvedAccount } from '../manifest/index.js';
import type { accountSchema } from '../manifest/schema.js';
import type { Journal } from '../engine/journal.js';
import type { AccountMatch } from '../engine/match-accounts.js';
import type { OrganizationSnapshot } from '../engine/organization-snapshot.js';
import type { Change, Unmanaged } from '../engine/plan.js';

export interface PlanOutput {
  changes: Change[];
  unmanaged: Unmanaged[];
}

/** What the organization-level modules plan from: the file and one shared read of the organization. */
export interface OrganizationPlanInput {
  manifest: LoadedManifest;
  snapshot: OrganizationSnapshot;
  matches: AccountMatch[];
  prune: boolean;
  /**
   * What modules with their own live read (`OrganizationResource.read`) read, by kind. Absent for modules
   * that plan from the snapshot alone.
   */
  live?: ReadonlyMap<string, unknown>;
}

/** What an organization-level module's own read sees: the file, the shared snapshot and AWS. */
export interface OrganizationReadContext {
  aws: AwsContext;
  manifest: LoadedManifest;
  snapshot: OrganizationSnapshot;
  matches: AccountMatch[];
  prune: boolean;
  /** Reads several organization-level modules need, made once per plan (as AccountReadContext.memo). */
  memo<T>(key: string, read: () => Promise<T>): Promise<T>;
}

/**
 * Ids that apply learns as it goes: a unit created in this run is the parent of the next one, and a new
 * account's id is known only once its creation succeeds.
 */
export interface OrganizationIndex {
  organizationId?: string;
  rootId?: string;
  managementAccountId: string;
  unitIds: Map<string, string>;
  /** Account ids by the manifest's account name. */
  accountIds: Map<string, string>;
}

export interface ApplyContext {
  aws: AwsContext;
  index: OrganizationIndex;
  journal: Journal;
  /** Organizations allows 5 account creations in flight; every creation runs inside this limit. */
  accountCreations: LimitFunction;
  /** Where lz keeps working files (`.lz/`): the journal, secrets. */
  workdir: string;
  logger: Logger;
  /** Tells the person which step an account is in (progress line or log line). */
  progress: (subject: string, step: string) => void;
  /** Bounds on waiting for AWS (account creation, role propagation), in milliseconds. */
  waits: { createAccountTimeout: number; roleTimeout: number; pollInterval: number };
}

/** A kind of thing lz manages at organization level (the organization, its units, its accounts). */
export interface OrganizationResource {
  kind: string;
  scope: 'organization';
  /**
   * Optional live read for modules whose state is not in the shared snapshot (S3, CloudTrail, Data Exports,
   * IAM organization features). Reads only; its result is `input.live.get(kind)` in `plan`.
   */
  read?(ctx: OrganizationReadContext): Promise<unknown>;
  /** Pure: desired state from the file, diffed with the shared read (and this module's own read). */
  plan(input: OrganizationPlanInput): PlanOutput;
  /** Carries out one change of this kind; idempotent (safe to re-run after a crash). */
  apply(ctx: ApplyContext, change: Change): Promise<void>;
}

/** What an account-level module reads with: that account's clients (the assumed role). */
export interface AccountReadContext {
  clients: AccountClients;
  accountId: string;
  account: ResolvedAccount;
  /**
   * Reads shared by several modules in one account (IAM's GetAccountAuthorizationDetails, the credential
   * report) are made once per account per run: `memo(key, read)` returns the first call's promise.
   * At scale the number of calls per account, not CPU, is what costs.
   */
  memo<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** The run's AWS context, for reads that need the management account (e.g. sts:AssumeRoot). */
  aws?: AwsContext;
}

export interface AccountApplyContext extends ApplyContext {
  clients: AccountClients;
  accountId: string;
}

/** A baseline item inside every account (password policy, alias, ...): the DESIGN.md module shape. */
export interface AccountResource<Want = unknown, Have = unknown> {
  kind: string;
  scope: 'account';
  /** Pure: what the file wants in this account, or undefined when the item is switched off. */
  desired(account: ResolvedAccount, manifest: LoadedManifest): Want | undefined;
  /** Live read, nothing else. undefined when the thing does not exist. */
  read(ctx: AccountReadContext, want: Want | undefined): Promise<Have | undefined>;
  /** Pure: the changes that make `have` into `want`, addressed `<account>.<kind>[...]`. */
  diff(want: Want | undefined, have: Have | undefined, input: { account: ResolvedAccount; prune: boolean; exists: boolean }): PlanOutput;
  apply(ctx: AccountApplyContext, change: Change): Promise<void>;
  /**
   * For `lz import`: the live state (what `read` returned) as fields of an `accounts[]` entry, e.g.
   * `{ alias: 'x' }`, such that the file's `desired` yields no change against it. undefined: nothing to write.
   */
  toManifest?(have: Have): ManifestAccountFields | undefined;
}

/** Fields of one `accounts[]` entry in accounts.yaml, as written in the file. */
export type ManifestAccountFields = Partial<z.input<typeof accountSchema>>;

export type ResourceKind = OrganizationResource | AccountResource;
