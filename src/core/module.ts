import type { LimitFunction } from 'p-limit';
import type * as z from 'zod';
import type { AccountClients, AwsContext } from '../aws/context.js';
import type { Logger } from '../log.js';
import type { LoadedManifest, ResolvedAccount } from '../manifest/types.js';
import type { AccountSection, ManifestSections, OrganizationSection } from '../manifest/sections.js';
import type { AccountMatch, CreationJournal, LiveAccount, OrganizationIndex, OrganizationSnapshot } from './organization.js';
import type { Change, PlanOutput } from './plan.js';
import type { Permissions } from './permissions.js';

/**
 * The resource contract: one module per kind carries everything about that kind (its slice of the file, its
 * read, diff and apply, its posture checks, its checklist steps, how `lz import` writes it back). The
 * engine, the renderers and the manifest loader iterate over the registry they are handed and name no kind.
 */

// ------------------------------------------------------------------------------------------ contexts

/** What an account-level module reads with: that account's clients (the assumed role). */
export interface AccountReadContext {
  clients: AccountClients;
  accountId: string;
  account: ResolvedAccount;
  /**
   * Reads shared by several modules in one account (IAM's GetAccountAuthorizationDetails, the credential
   * report) are made once per account per run: `memo(key, read)` returns the first call's promise.
   */
  memo<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** The run's AWS context, for reads that need the management account (e.g. sts:AssumeRoot). */
  aws?: AwsContext;
  /**
   * `lz import`: read what the file does not name yet too. A kind that skips its read when the account
   * declares nothing (to cost no call) reads anyway then, so its live state can be written back.
   */
  importing?: boolean;
}

/** What an organization-level module's own read sees: the file, the shared snapshot and AWS. */
export interface OrganizationReadContext {
  aws: AwsContext;
  manifest: LoadedManifest;
  snapshot: OrganizationSnapshot;
  matches: AccountMatch[];
  prune: boolean;
  /** Reads several organization-level modules need, made once per plan. */
  memo<T>(key: string, read: () => Promise<T>): Promise<T>;
}

/** What the organization-level modules plan from: the file and one shared read of the organization. */
export interface OrganizationPlanInput {
  manifest: LoadedManifest;
  snapshot: OrganizationSnapshot;
  matches: AccountMatch[];
  /** Live accounts the file names nowhere (reported, never touched). */
  unmatched: LiveAccount[];
  prune: boolean;
  /** The run's Region (names and ARNs of regional resources). */
  region: string;
}

export interface ApplyContext {
  aws: AwsContext;
  index: OrganizationIndex;
  journal: CreationJournal;
  /** Organizations allows 5 account creations in flight; every creation runs inside this limit. */
  accountCreations: LimitFunction;
  /** Where lz keeps working files (`.lz/`): the journal, secrets. */
  workdir: string;
  logger: Logger;
  /** Tells the person which step an account is in (progress line or log line). */
  progress: (subject: string, step: string) => void;
  /** Bounds on waiting for AWS (account creation, role propagation), in milliseconds. */
  waits: { createAccountTimeout: number; roleTimeout: number; pollInterval: number };
  /** Aborted on SIGINT/SIGTERM: waits for AWS end at once (the change is then not done; the next apply resumes it). */
  signal?: AbortSignal;
}

export interface AccountApplyContext extends ApplyContext {
  clients: AccountClients;
  accountId: string;
}

export interface AccountDiffInput {
  account: ResolvedAccount;
  prune: boolean;
  /** Whether the account exists yet (a new account's items are created after it). */
  exists: boolean;
  /** The run's Region (where regional items, e.g. a Secrets Manager secret, are made). */
  region: string;
}

// ------------------------------------------------------------------------------------------ posture

/**
 * A posture finding (`lz drift`): a CIS AWS Foundations Benchmark v3.0 recommendation (and its AWS
 * Security Hub control) that holds or fails in one account whatever the file says, evaluated over what the
 * plan already read there: the module's own `have`, and the account's read memo for reads several checks
 * share.
 */
export interface PostureCheck<Have = unknown> {
  /** Stable id, used in JSON and JUnit output. */
  id: string;
  /** CIS AWS Foundations Benchmark v3.0 recommendation. */
  cis?: string;
  /** AWS Security Hub control id. */
  control?: string;
  title: string;
  /** undefined: the check does not apply to this account (e.g. no budget declared). */
  evaluate(input: PostureInput<Have>): PostureOutcome | undefined | Promise<PostureOutcome | undefined>;
}

export interface PostureInput<Have> {
  have: Have | undefined;
  account: ResolvedAccount;
  manifest: LoadedManifest;
  ctx: AccountReadContext;
  now: Date;
}

export interface PostureOutcome {
  /** What fails (user names, budget names); empty when the check passes. */
  failing: string[];
  /** What was found, for a person. */
  detail: string;
}

/** An outcome whose detail is `pass` when nothing fails, else `fail`. */
export const postureOutcome = (failing: string[], pass: string, fail: string): PostureOutcome => ({ failing, detail: failing.length > 0 ? fail : pass });

// ------------------------------------------------------------------------------------------ checklist

/** One line of `lz plan --manual`, the per-account checklist of what only a person can do. */
export interface ChecklistStep {
  /** Verified by lz ([x]) or still open ([ ]). */
  done: boolean;
  title: string;
  detail?: string;
  /** The manual changes (by address) this step stands for, so they are not listed again. */
  covers?: string[];
}

export interface ChecklistInput<Payload = unknown> {
  account: ResolvedAccount;
  /** False while lz apply is still to create the account. */
  exists: boolean;
  /** This kind's manual steps in the account. */
  manual: Change<Payload>[];
  /** This kind's changes apply will make in the account. */
  pending: Change<Payload>[];
}

// ------------------------------------------------------------------------------------------ kinds

/** Fields of one `accounts[]` entry in accounts.yaml, as written in the file. */
export type ManifestAccountFields = Record<string, unknown>;

/** Fields under `organization:` in accounts.yaml, as written in the file (made with a section's `fields`). */
export type ManifestOrganizationFields = Record<string, unknown>;

/** A baseline item inside every account (password policy, alias, ...). */
export interface AccountKind<Want = unknown, Have = unknown, Payload = unknown> {
  kind: string;
  scope: 'account';
  /** Its slices of accounts.yaml (under `defaults` and `accounts[]`). */
  sections?: readonly AnyAccountSection[];
  /** What its changes' payloads must be; a saved plan's are checked against it when loaded. */
  payload: z.ZodType<Payload>;
  /** The IAM actions its read and apply call (src/core/permissions.ts). */
  permissions: Permissions;
  /** Pure: what the file wants in this account, or undefined when the item is switched off. */
  desired(account: ResolvedAccount, manifest: LoadedManifest): Want | undefined;
  /** Live read, nothing else. undefined when the thing does not exist. */
  read(ctx: AccountReadContext, want: Want | undefined): Promise<Have | undefined>;
  /** Pure: the changes that make `have` into `want`, addressed `<account>.<kind>[...]`. */
  diff(want: Want | undefined, have: Have | undefined, input: AccountDiffInput): PlanOutput<Payload>;
  /** Carries out one change; idempotent (safe to re-run after a crash). */
  apply(ctx: AccountApplyContext, change: Change<Payload> & { payload: Payload }): Promise<void>;
  posture?: readonly PostureCheck<Have>[];
  /** Its steps in `lz plan --manual`. */
  checklist?(input: ChecklistInput<Payload>): ChecklistStep[];
  /**
   * For `lz import`: the live state (what `read` returned) as fields of an `accounts[]` entry, such that the
   * file's `desired` yields no change against it. undefined: nothing to write.
   */
  toManifest?(have: Have): ManifestAccountFields | undefined;
  /**
   * For `lz import`: what a person should know about this kind that the file does not say (a setting AWS
   * has no API to read, something found but not lz's to write back). Said once however many accounts say it.
   */
  importNotes?(have: Have | undefined): string[];
}

/** A kind lz manages at organization level (the organization, its units, its accounts, organization services). */
export interface OrganizationKind<Live = unknown, Payload = unknown> {
  kind: string;
  scope: 'organization';
  /** Its settings under `organization:` in accounts.yaml. */
  sections?: readonly AnyOrganizationSection[];
  payload: z.ZodType<Payload>;
  /** The IAM actions its read and apply call (src/core/permissions.ts). */
  permissions: Permissions;
  /**
   * Optional live read for state that is not in the shared snapshot (S3, CloudTrail, Data Exports, IAM
   * organization features). Reads only; its result reaches `plan` as `live`.
   */
  read?(ctx: OrganizationReadContext): Promise<Live>;
  /** Pure: desired state from the file, diffed with the shared snapshot and this module's own read. */
  plan(input: OrganizationPlanInput, live: Live | undefined): PlanOutput<Payload>;
  apply(ctx: ApplyContext, change: Change<Payload> & { payload: Payload }): Promise<void>;
  /** Checks evaluated in each account (e.g. CloudTrail as each account sees it). */
  posture?: readonly PostureCheck<undefined>[];
  /**
   * For `lz import`: what its read found (`live`, read against the file written so far) as fields under
   * `organization:`, such that `plan` on the file yields no change against it. Only what lz made (its
   * `lz:managed` tag) or an organization setting lz would otherwise turn off with --prune: never a
   * resource someone else made. undefined: nothing to write.
   */
  toManifest?(live: Live | undefined, input: OrganizationPlanInput): ManifestOrganizationFields | undefined;
  /** For `lz import`: what it found but does not write back, and what to do about it. */
  importNotes?(live: Live | undefined, input: OrganizationPlanInput): string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each section is typed where it is declared and read
type AnyAccountSection = AccountSection<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOrganizationSection = OrganizationSection<any>;

// The registry holds kinds of every Want/Have/Payload; the engine hands each module back only what that
// module produced, so the erased parameters never meet a value of another kind.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAccountKind = AccountKind<any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOrganizationKind = OrganizationKind<any, any>;
export type AnyKind = AnyAccountKind | AnyOrganizationKind;

/** Every kind lz manages, in the order the plan shows them. */
export interface Registry {
  organization: readonly AnyOrganizationKind[];
  account: readonly AnyAccountKind[];
}

export function defineAccountKind<Want, Have, Payload>(kind: Omit<AccountKind<Want, Have, Payload>, 'scope'>): AccountKind<Want, Have, Payload> {
  return { ...kind, scope: 'account' };
}

export function defineOrganizationKind<Live, Payload>(kind: Omit<OrganizationKind<Live, Payload>, 'scope'>): OrganizationKind<Live, Payload> {
  return { ...kind, scope: 'organization' };
}

/** Account-level kinds run inside an account, with its clients, within the run's --parallelism. */
export const runsInAccount = (module: AnyKind): module is AnyAccountKind => module.scope === 'account';

export function moduleFor(registry: Registry, kind: string): AnyKind | undefined {
  return registry.organization.find((m) => m.kind === kind) ?? registry.account.find((m) => m.kind === kind);
}

/** The manifest sections of every kind in the registry, for the loader. */
export function sectionsOf(registry: Registry): ManifestSections {
  const unique = <T>(list: T[]) => [...new Set(list)];
  return {
    account: unique(registry.account.flatMap((m) => m.sections ?? [])) as AccountSection[],
    organization: unique(registry.organization.flatMap((m) => m.sections ?? [])) as OrganizationSection[],
  };
}
