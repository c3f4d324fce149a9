/**
 * The plan is data: everything that prints, saves, compares or applies works on this object.
 * Its JSON form (`lz plan --json`, `--out`) is documented in docs/usage.md and versioned by `formatVersion`.
 */
export const PLAN_FORMAT = 'lz-plan';
/** 2: every change carries its apply `payload`, apart from what is displayed. */
export const PLAN_FORMAT_VERSION = 2;

/** create/update/delete are carried out by apply; manual is for a person (lz cannot or must not do it). */
export type Action = 'create' | 'update' | 'delete' | 'manual';

/** How the plan shows each action, Terraform-style. */
export const ACTION_SYMBOL: Record<Action, string> = { create: '+', update: '~', delete: '-', manual: '!' };

/** One line of an update as a person reads it. Display only: apply reads the change's payload. */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  /** Shown as (known after apply) / (sensitive) instead of a value. */
  note?: string;
}

export interface Change<Payload = unknown> {
  /** Unique and stable: `organization`, `unit:Workloads/Prod`, `account:Production`, `Production.password-policy`. */
  address: string;
  /** The resource kind whose module plans and applies it. */
  kind: string;
  action: Action;
  /** The account it happens in or to (by manifest name), for account-scoped kinds and accounts themselves. */
  account?: string;
  /** Live value as shown (null when absent). Compared again before a saved plan is applied. */
  before: unknown;
  /** Desired value as shown (null for deletes). */
  after: unknown;
  /** For updates: what differs, field by field, as shown. */
  fields?: FieldChange[];
  /**
   * What apply carries out, typed by the kind's module and validated against its schema when a saved plan
   * is loaded. Absent for manual steps, which are never applied. A saved plan is self-contained: apply needs
   * nothing else.
   */
  payload?: Payload;
  /** For manual steps: what a person has to do, and where. */
  instructions?: string;
  /**
   * For manual steps lz can never check (no AWS API reads them, e.g. IAM access to billing): kept out of
   * the text plan, which ends with one line counting them instead; `lz plan --manual` lists them.
   */
  unverifiable?: boolean;
  /**
   * For manual steps: AWS has moved away from what the file says, and only a person can bring it back (an
   * account closed by hand). `lz drift` counts it as drift, where other manual steps are to-dos it lists.
   */
  drift?: boolean;
  /**
   * For manual steps: the kind of step in a few words ("root user has no MFA"), the same for every account
   * it applies to. The plan prints one line per kind with its count; `lz plan --manual` has each step.
   */
  step?: string;
  /** Addresses that must be applied first. */
  dependsOn?: string[];
  /**
   * An option apply must be given before it carries out this change (`--allow-close` for closing an account):
   * a plan that holds such a change is refused without it, before any write.
   */
  requires?: ApplyGuard;
  /**
   * What a checker found in what the change would write (IAM Access Analyzer on a policy document): shown under
   * the change; an error blocks apply until the file is fixed, a warning is for the reviewer.
   */
  findings?: Finding[];
}

/** The apply options that guard irreversible changes; a saved plan records the ones it was made with. */
export type ApplyGuard = 'allow-close';

export interface Finding {
  severity: 'error' | 'warning';
  /** Who found it and its code, e.g. `access-analyzer UNKNOWN_ACTION`. */
  source: string;
  message: string;
}

/** The changes that need an apply option the run was not given (a saved plan's own options count). */
export function unguardedChanges(plan: Pick<Plan, 'changes' | 'options'>, given: { allowClose?: boolean }): Change[] {
  const allowed = { 'allow-close': Boolean(given.allowClose || plan.options.allowClose) } satisfies Record<ApplyGuard, boolean>;
  return plan.changes.filter((c) => c.requires && !allowed[c.requires]);
}

/** The changes apply must refuse to carry out: a checker found an error in what they would write. */
export function blockedChanges(plan: Pick<Plan, 'changes'>): Change[] {
  return plan.changes.filter((c) => c.findings?.some((f) => f.severity === 'error'));
}

/** Something that exists in AWS and that accounts.yaml does not name: reported, never touched. */
export interface Unmanaged {
  address: string;
  kind: string;
  description: string;
  /** Something lz manages and the file no longer names (a tag removed from the file): `--prune` removes it. */
  prunable?: boolean;
}

/**
 * Something AWS is still carrying out on its own, already the way accounts.yaml wants it (an opt-in Region
 * ENABLING): no change, no drift; shown so a person knows why it is not there yet.
 */
export interface InProgress {
  address: string;
  kind: string;
  description: string;
}

/**
 * An existing account lz could not read (its access role refused, or a read failed): nothing is planned
 * inside it, so the plan is incomplete. `lz plan` exits 1; apply carries out the rest and reports it failed.
 */
export interface UnreadableAccount {
  account: string;
  address: string;
  reason: string;
  hint?: string;
}

/** What a module's plan or diff returns. */
export interface PlanOutput<Payload = unknown> {
  changes: Change<Payload>[];
  unmanaged: Unmanaged[];
  /** Absent when nothing is under way. */
  inProgress?: InProgress[];
}

export const noChanges = <P>(): PlanOutput<P> => ({ changes: [], unmanaged: [] });

export interface Plan {
  format: typeof PLAN_FORMAT;
  formatVersion: typeof PLAN_FORMAT_VERSION;
  createdAt: string;
  manifest: { file: string; sha256: string };
  organization: { id?: string; managementAccountId: string };
  options: { prune: boolean; targets: string[]; allowClose?: boolean };
  /** What apply carries out, in an order that respects dependsOn. */
  changes: Change[];
  manual: Change[];
  unmanaged: Unmanaged[];
  /** Accounts whose baseline could not be read; absent when every account was read. */
  unreadable?: UnreadableAccount[];
  /** What AWS is still carrying out the way the file wants; absent when nothing is under way. */
  inProgress?: InProgress[];
  /**
   * Console passwords a run wrote to `<file>.pending` and did not confirm (it stopped around the call that
   * set the password): display paths, e.g. `.lz/secrets/Dev-0a1b2c3d/IAMADMIN.txt.pending`. Absent when there are none.
   */
  pendingSecrets?: string[];
}

export interface PlanCounts {
  add: number;
  change: number;
  destroy: number;
  manual: number;
}

export function countChanges(plan: Pick<Plan, 'changes' | 'manual'>): PlanCounts {
  const count = (a: Action) => plan.changes.filter((c) => c.action === a).length;
  return { add: count('create'), change: count('update'), destroy: count('delete'), manual: plan.manual.length };
}

export function hasChanges(plan: Pick<Plan, 'changes'>): boolean {
  return plan.changes.length > 0;
}
