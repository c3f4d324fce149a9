import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  BudgetsClient,
  paginateDescribeBudgets,
  paginateDescribeNotificationsForBudget,
  paginateDescribeSubscribersForNotification,
} from '@aws-sdk/client-budgets';
import {
  GetLoginProfileCommand,
  IAMClient,
  ListAccountAliasesCommand,
  paginateGetGroup,
  paginateListAttachedGroupPolicies,
  paginateListGroups,
  paginateListGroupsForUser,
  paginateListPolicies,
  paginateListPolicyVersions,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { GetPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { retrySettling } from '../../src/aws/settling.js';
import { secretFile } from '../../src/secrets.js';

/**
 * "Everything the sandbox holds" that lz makes, read back through the SDK as any AWS client would read it
 * (the management account's keys; each member account through its access role), for the reliability tests:
 * after faults, crashes and partial failures lz must have made each thing exactly once.
 */
export interface HeldUser {
  name: string;
  /** ListGroupsForUser, as listed (a duplicate would show twice). */
  groups: string[];
  loginProfile: boolean;
}

export interface HeldGroup {
  name: string;
  /** GetGroup's users, as listed. */
  members: string[];
  /** Attached managed policy ARNs, as listed. */
  policies: string[];
}

export interface HeldPolicy {
  name: string;
  arn: string;
  versions: string[];
}

export interface HeldBudget {
  name: string;
  /** `TYPE OPERATOR THRESHOLD THRESHOLD_TYPE` → subscribers (`EMAIL:addr`), as listed. */
  notifications: { key: string; subscribers: string[] }[];
}

export interface AccountHoldings {
  id: string;
  name: string;
  email: string;
  users: HeldUser[];
  groups: HeldGroup[];
  /** Customer-managed policies (Scope=Local). */
  policies: HeldPolicy[];
  aliases: string[];
  budgets: HeldBudget[];
  /** The account's S3 Block Public Access settings that are on (GetPublicAccessBlock), sorted; null when none is set. */
  publicAccessBlock: string[] | null;
}

export interface Holdings {
  accounts: AccountHoldings[];
}

const config = (sandbox: SandboxHandle) => ({ region: 'us-east-1', endpoint: sandbox.endpoint, maxAttempts: 3 });

/** Reads what every account of the organization holds. Turn faults off first: this read must not fail. */
export async function readHoldings(sandbox: SandboxHandle, accessRole = 'OrganizationAccountAccessRole'): Promise<Holdings> {
  const base = config(sandbox);
  const org = new OrganizationsClient({ ...base, credentials: sandbox.managementCredentials });
  const sts = new STSClient({ ...base, credentials: sandbox.managementCredentials });
  try {
    const listed: { id: string; name: string; email: string }[] = [];
    for await (const page of paginateListAccounts({ client: org }, {})) {
      for (const a of page.Accounts ?? []) listed.push({ id: a.Id!, name: a.Name!, email: a.Email! });
    }
    const accounts = await Promise.all(
      listed.map(async (a) => {
        let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = sandbox.managementCredentials;
        if (a.id !== sandbox.managementAccountId) {
          const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${a.id}:role/${accessRole}`, RoleSessionName: 'holdings' }));
          const c = out.Credentials!;
          credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
        }
        const iam = new IAMClient({ ...base, credentials });
        // A new account's services answer SubscriptionRequired / NotSignedUp for a moment after their first
        // call (on AWS as in the sandbox): this reader waits them out as any client of a new account must.
        const settling = { ...base, maxAttempts: 6 };
        const budgets = new BudgetsClient({ ...settling, credentials });
        const s3Control = new S3ControlClient({ ...settling, credentials, endpointProvider: () => ({ url: new URL(sandbox.endpoint) }) });
        for (const client of [budgets, s3Control]) retrySettling(client, () => undefined);
        try {
          return { ...a, ...(await readIam(iam)), budgets: await readBudgets(budgets, a.id), publicAccessBlock: await readPublicAccessBlock(s3Control, a.id) };
        } finally {
          iam.destroy();
          budgets.destroy();
          s3Control.destroy();
        }
      }),
    );
    return { accounts };
  } finally {
    org.destroy();
    sts.destroy();
  }
}

async function readIam(iam: IAMClient): Promise<Pick<AccountHoldings, 'users' | 'groups' | 'policies' | 'aliases'>> {
  const users: HeldUser[] = [];
  for await (const page of paginateListUsers({ client: iam }, {})) {
    for (const u of page.Users ?? []) {
      const groups: string[] = [];
      for await (const g of paginateListGroupsForUser({ client: iam }, { UserName: u.UserName })) groups.push(...(g.Groups ?? []).map((x) => x.GroupName!));
      let loginProfile = true;
      try {
        await iam.send(new GetLoginProfileCommand({ UserName: u.UserName }));
      } catch (err) {
        if ((err as Error).name !== 'NoSuchEntityException') throw err;
        loginProfile = false;
      }
      users.push({ name: u.UserName!, groups, loginProfile });
    }
  }
  const groups: HeldGroup[] = [];
  for await (const page of paginateListGroups({ client: iam }, {})) {
    for (const g of page.Groups ?? []) {
      const members: string[] = [];
      for await (const p of paginateGetGroup({ client: iam }, { GroupName: g.GroupName })) members.push(...(p.Users ?? []).map((u) => u.UserName!));
      const policies: string[] = [];
      for await (const p of paginateListAttachedGroupPolicies({ client: iam }, { GroupName: g.GroupName })) policies.push(...(p.AttachedPolicies ?? []).map((x) => x.PolicyArn!));
      groups.push({ name: g.GroupName!, members, policies });
    }
  }
  const policies: HeldPolicy[] = [];
  for await (const page of paginateListPolicies({ client: iam }, { Scope: 'Local' })) {
    for (const p of page.Policies ?? []) {
      const versions: string[] = [];
      for await (const v of paginateListPolicyVersions({ client: iam }, { PolicyArn: p.Arn })) versions.push(...(v.Versions ?? []).map((x) => x.VersionId!));
      policies.push({ name: p.PolicyName!, arn: p.Arn!, versions });
    }
  }
  const aliases = (await iam.send(new ListAccountAliasesCommand({}))).AccountAliases ?? [];
  return { users, groups, policies, aliases };
}

async function readBudgets(client: BudgetsClient, AccountId: string): Promise<HeldBudget[]> {
  const out: HeldBudget[] = [];
  const notFound = (err: unknown) => {
    if ((err as Error).name !== 'NotFoundException') throw err;
  };
  try {
    for await (const page of paginateDescribeBudgets({ client }, { AccountId })) {
      for (const b of page.Budgets ?? []) {
        const notifications: HeldBudget['notifications'] = [];
        try {
          for await (const np of paginateDescribeNotificationsForBudget({ client }, { AccountId, BudgetName: b.BudgetName })) {
            for (const n of np.Notifications ?? []) {
              const subscribers: string[] = [];
              for await (const sp of paginateDescribeSubscribersForNotification({ client }, { AccountId, BudgetName: b.BudgetName, Notification: n })) {
                subscribers.push(...(sp.Subscribers ?? []).map((s) => `${s.SubscriptionType}:${s.Address}`));
              }
              notifications.push({ key: `${n.NotificationType} ${n.ComparisonOperator} ${n.Threshold} ${n.ThresholdType ?? 'PERCENTAGE'}`, subscribers });
            }
          }
        } catch (err) {
          notFound(err);
        }
        out.push({ name: b.BudgetName!, notifications });
      }
    }
  } catch (err) {
    notFound(err);
  }
  return out;
}

async function readPublicAccessBlock(s3Control: S3ControlClient, accountId: string): Promise<string[] | null> {
  try {
    const c = (await s3Control.send(new GetPublicAccessBlockCommand({ AccountId: accountId }))).PublicAccessBlockConfiguration ?? {};
    return Object.entries(c).filter(([, on]) => on === true).map(([setting]) => setting).sort();
  } catch (err) {
    if ((err as Error).name === 'NoSuchPublicAccessBlockConfiguration') return null;
    throw err;
  }
}

/** What the repository's accounts.yaml defaults build in every account, for the given accounts (email → alias). */
export function repositoryBaseline(aliases: Record<string, string>, workdir: string): Expected {
  return {
    emails: Object.keys(aliases),
    adminUser: 'IAMADMIN',
    adminGroup: 'Administrators',
    mfaPolicy: 'lz-require-mfa',
    groupPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    budget: {
      name: 'monthly-cost',
      notifications: ['ACTUAL GREATER_THAN 80 PERCENTAGE', 'FORECASTED GREATER_THAN 100 PERCENTAGE'],
      subscribers: ['EMAIL:finops@example.com'],
    },
    aliases,
    publicAccessBlock: ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'],
    workdir,
  };
}

export interface Expected {
  /** Declared accounts' emails (the management account's included). */
  emails: string[];
  adminUser: string;
  adminGroup: string;
  mfaPolicy: string;
  /** The group's attached policies besides the MFA policy. */
  groupPolicies: string[];
  budget: { name: string; notifications: string[]; subscribers: string[] };
  /** Alias by email, for the accounts that declare one. */
  aliases: Record<string, string>;
  /** The S3 Block Public Access settings on in every account, sorted (absent: not checked). */
  publicAccessBlock?: string[];
  /** `.lz/` of the runs: every console password IAM holds must be in a secret file lz wrote (not lost). */
  workdir?: string;
}

const dupes = (list: string[]) => list.filter((x, i) => list.findIndex((y) => y.toLowerCase() === x.toLowerCase()) !== i);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Everything that is not exactly as expected, as sentences (empty when all is well): duplicates (an
 * account per email, a user in its group twice, a second policy version, a notification or subscriber or
 * budget twice, a second alias), anything missing, and any console password lz made and lost.
 */
export function problems(h: Holdings, want: Expected, sandbox?: SandboxHandle): string[] {
  const out: string[] = [];
  const emails = h.accounts.map((a) => a.email.toLowerCase());
  for (const e of dupes(emails)) out.push(`more than one account with email ${e}`);
  for (const e of want.emails) if (!emails.includes(e.toLowerCase())) out.push(`no account with email ${e}`);
  for (const e of emails) if (!want.emails.some((x) => x.toLowerCase() === e)) out.push(`an account nobody declared: ${e}`);

  for (const a of h.accounts) {
    const at = `in ${a.name} (${a.id})`;
    const users = a.users.filter((u) => u.name.toLowerCase() === want.adminUser.toLowerCase());
    if (users.length !== 1) out.push(`${users.length} users ${want.adminUser} ${at}`);
    for (const u of users) {
      if (u.groups.filter((g) => g === want.adminGroup).length !== 1) out.push(`${u.name} is in ${want.adminGroup} ${u.groups.filter((g) => g === want.adminGroup).length} times (ListGroupsForUser) ${at}`);
      if (!u.loginProfile) out.push(`${u.name} has no login profile ${at}`);
      else if (want.workdir && sandbox) out.push(...lostPassword(want.workdir, sandbox, a, u.name));
    }
    const groups = a.groups.filter((g) => g.name === want.adminGroup);
    if (groups.length !== 1) out.push(`${groups.length} groups ${want.adminGroup} ${at}`);
    for (const g of groups) {
      for (const d of dupes(g.members)) out.push(`${d} listed twice in ${g.name} ${at}`);
      if (g.members.filter((m) => m === want.adminUser).length !== 1) out.push(`${want.adminUser} is not in ${g.name} exactly once ${at}`);
      for (const d of dupes(g.policies)) out.push(`policy ${d} attached twice to ${g.name} ${at}`);
      const mfaArn = `arn:aws:iam::${a.id}:policy/${want.mfaPolicy}`;
      for (const p of [...want.groupPolicies, mfaArn]) if (!g.policies.includes(p)) out.push(`${p} not attached to ${g.name} ${at}`);
    }
    const policies = a.policies.filter((p) => p.name === want.mfaPolicy);
    if (policies.length !== 1) out.push(`${policies.length} policies ${want.mfaPolicy} ${at}`);
    for (const p of policies) if (p.versions.length !== 1) out.push(`${p.name} has ${p.versions.length} versions (${p.versions.join(', ')}) ${at}`);
    const alias = want.aliases[a.email.toLowerCase()];
    if (a.aliases.length > 1 || (alias ? a.aliases[0] !== alias : a.aliases.length > 0)) out.push(`aliases ${JSON.stringify(a.aliases)}, want ${alias ?? 'none'} ${at}`);
    if (want.publicAccessBlock && a.publicAccessBlock?.join('|') !== want.publicAccessBlock.join('|')) out.push(`S3 Block Public Access ${JSON.stringify(a.publicAccessBlock)} ${at}`);
    for (const d of dupes(a.budgets.map((b) => b.name))) out.push(`budget ${d} twice ${at}`);
    const budgets = a.budgets.filter((b) => b.name === want.budget.name);
    if (budgets.length !== 1) out.push(`${budgets.length} budgets ${want.budget.name} ${at}`);
    for (const b of budgets) {
      const keys = b.notifications.map((n) => n.key);
      for (const d of dupes(keys)) out.push(`notification ${d} twice on ${b.name} ${at}`);
      if ([...keys].sort().join('|') !== [...want.budget.notifications].sort().join('|')) out.push(`notifications ${JSON.stringify(keys)} on ${b.name} ${at}`);
      for (const n of b.notifications) {
        if ([...n.subscribers].sort().join('|') !== [...want.budget.subscribers].sort().join('|')) out.push(`subscribers ${JSON.stringify(n.subscribers)} of ${n.key} on ${b.name} ${at}`);
      }
    }
  }
  return out;
}

/**
 * IAM keeps only a password's hash; the sandbox's state lets the test compare it with the password in the
 * file lz wrote (`.lz/secrets/<account>/<user>.txt`, or the `.pending` one a crash right after
 * CreateLoginProfile leaves). A password nobody has is a change lz lost.
 */
function lostPassword(workdir: string, sandbox: SandboxHandle, a: AccountHoldings, user: string): string[] {
  const held = Object.values(sandbox.state.accounts[a.id]?.iam.users ?? {}).find((u) => u.userName === user)?.loginProfile?.passwordSha256;
  const file = [secretFile(workdir, a.name, user), `${secretFile(workdir, a.name, user)}.pending`].find((f) => existsSync(f));
  if (!file) return [`the console password of ${user} in ${a.name} is in no secret file: lz lost it`];
  const password = /Initial password: (\S+)/.exec(readFileSync(file, 'utf8'))?.[1];
  return password && sha256(password) === held ? [] : [`${file} holds a password IAM does not have for ${user} in ${a.name}`];
}
