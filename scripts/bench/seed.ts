import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { parseManifest } from '../../src/manifest/index.js';
import { desiredAssignments, identityCenterOf } from '../../src/resources/identity-center/section.js';
import { defaultSections } from '../../src/resources/registry.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import type { AccountRecord, SandboxState } from '../../src/sandbox/state.js';

export const BENCH_UNITS = ['Workloads/NonProd', 'Workloads/Prod', 'Teams'];

export interface BenchAccount {
  name: string;
  email: string;
  unit: string;
  alias: string;
}

export function benchAccounts(n: number): BenchAccount[] {
  return Array.from({ length: n }, (_, i) => {
    const id = String(i + 1).padStart(5, '0');
    return { name: `Acct${id}`, email: `aws+acct${id}@example.com`, unit: BENCH_UNITS[i % BENCH_UNITS.length]!, alias: `bench-acct${id}` };
  });
}

/**
 * Two permission sets beyond the shipped three, so the benchmark's Identity Center has five, every one
 * assigned by unit (or everywhere): what a no-change plan reads grows per set, not per account per set.
 */
const BENCH_PERMISSION_SETS = [
  { name: 'SecurityAudit', sessionDuration: 'PT8H', managedPolicies: ['arn:aws:iam::aws:policy/SecurityAudit'] },
  { name: 'ViewOnlyAccess', sessionDuration: 'PT8H', managedPolicies: ['arn:aws:iam::aws:policy/job-function/ViewOnlyAccess'] },
];
const BENCH_ASSIGNMENTS = [
  { group: 'Auditors', permissionSet: 'SecurityAudit', units: ['Workloads'] },
  { group: 'Developers', permissionSet: 'ViewOnlyAccess', units: ['Teams'] },
];

/** accounts.yaml of the repository (its organization and baseline) with `accounts` replaced. */
export function benchManifest(repoRoot: string, accounts: BenchAccount[]): string {
  const doc = parseDocument(readFileSync(join(repoRoot, 'accounts.yaml'), 'utf8'));
  const ic = doc.getIn(['organization', 'identityCenter']) as { get(key: string): { add(v: unknown): void } | undefined } | undefined;
  if (ic) {
    for (const set of BENCH_PERMISSION_SETS) ic.get('permissionSets')!.add(doc.createNode(set));
    for (const a of BENCH_ASSIGNMENTS) ic.get('assignments')!.add(doc.createNode(a));
  }
  const general = { name: 'General', email: 'aws+general@example.com', alias: 'example-general' };
  doc.set('accounts', [general, ...accounts.map((a) => ({ name: a.name, email: a.email, unit: a.unit, alias: a.alias }))]);
  return doc.toString({ lineWidth: 0 });
}

/**
 * An organization of N accounts with the full baseline in place, without N CreateAccount waits: lz itself
 * applies the baseline to one template account, whose sandbox state is then cloned N-1 times (ids and
 * alias rewritten). The seed therefore always holds exactly what the current resource modules build.
 */
export async function seedOrganization(sandbox: SandboxHandle, repoRoot: string, accounts: BenchAccount[], env: NodeJS.ProcessEnv): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lz-bench-'));
  const [template, ...rest] = accounts;
  if (!template) throw new Error('at least one account');
  writeFileSync(join(dir, 'accounts.yaml'), benchManifest(repoRoot, [template]));
  // In-process, the SDK reads the process environment.
  Object.assign(process.env, env);
  const io = bufferIO({ cwd: dir, env });
  const code = await runCli(['apply', '--auto-approve'], io);
  if (code !== 0) throw new Error(`seeding apply failed:\n${io.out()}\n${io.err()}`);

  const state = sandbox.state;
  const org = state.organization!;
  const templateRecord = Object.values(state.accounts).find((a) => a.email === template.email)!;
  settleManualSteps(templateRecord);
  settleManualSteps(state.accounts[state.managementAccountId]!);
  // A plan regenerates the template's credential report, which the clones then share as AWS would serve it.
  const replan = await runCli(['plan'], bufferIO({ cwd: dir, env }));
  if (replan !== 0) throw new Error('the template did not plan cleanly after its manual steps were settled');
  const unitIds = new Map(Object.values(org.units).map((u) => [pathOf(org.units, u.id), u.id]));
  const text = JSON.stringify(templateRecord);
  // The clones stand for accounts that have long existed: joined a day ago, none is still settling (a new
  // account's STS and services answer RegionDisabled / SubscriptionRequired for a while: docs/sandbox.md).
  const longAgo = new Date(sandbox.runtime.now().getTime() - 86_400_000).toISOString();
  for (const a of rest) {
    const id = sandbox.runtime.newAccountId();
    const record = JSON.parse(text.split(templateRecord.id).join(id).split(template.alias).join(a.alias)) as AccountRecord;
    Object.assign(record, { id, name: a.name, email: a.email });
    state.accounts[id] = record;
    org.members[id] = { parentId: unitIds.get(a.unit)!, joinedMethod: 'CREATED', joinedTimestamp: longAgo };
    org.tags[id] = JSON.parse(JSON.stringify(org.tags[templateRecord.id] ?? []).split(template.name).join(a.name));
    // What is attached to the template (AWS's FullAWSAccess at least) is attached to each clone, as AWS
    // attaches it to every account that joins: without an SCP that allows, the sandbox denies every call.
    for (const policy of Object.values(org.policies ?? {})) if (policy.targets.includes(templateRecord.id)) policy.targets.push(id);
  }
  const manifest = benchManifest(repoRoot, accounts);
  writeFileSync(join(dir, 'accounts.yaml'), manifest);
  seedAssignments(state, manifest, new Set([templateRecord.id, state.managementAccountId]));
  return dir;
}

/**
 * Identity Center as apply would leave it for the clones: each assignment the file asks for, and its set
 * provisioned there, as AWS records them (the clones' reserved roles are not made: no plan reads them).
 */
function seedAssignments(state: SandboxState, manifest: string, applied: Set<string>): void {
  const ic = state.identityCenter;
  const loaded = parseManifest(manifest, 'accounts.yaml', defaultSections);
  if (!ic || !identityCenterOf(loaded.manifest)) return;
  const accountIds = new Map(Object.values(state.accounts).map((a) => [a.email, a.id]));
  const setArns = new Map(Object.values(ic.permissionSets).map((p) => [p.name, p]));
  const principals = new Map([
    ...Object.values(ic.directory.groups).map((g) => [`GROUP:${g.DisplayName}`, g.GroupId] as const),
    ...Object.values(ic.directory.users).map((u) => [`USER:${u.UserName}`, u.UserId] as const),
  ]);
  for (const a of desiredAssignments(identityCenterOf(loaded.manifest), loaded.accounts)) {
    const accountId = accountIds.get(loaded.accounts.find((r) => r.name === a.account)!.email)!;
    const set = setArns.get(a.permissionSet)!;
    const principalId = principals.get(`${a.principalType}:${a.principal}`)!;
    if (applied.has(accountId) && ic.provisioned[`${accountId}|${set.arn}`]) continue;
    ic.assignments.push({ accountId, permissionSetArn: set.arn, principalType: a.principalType, principalId });
    ic.provisioned[`${accountId}|${set.arn}`] = { accountId, permissionSetArn: set.arn, roleName: `AWSReservedSSO_${set.name}_${accountId.slice(-12).padStart(16, '0')}`, version: set.version };
  }
}

/**
 * A steady-state organization has its manual steps done too: root MFA on, and the admin user's MFA device
 * registered. Without them every plan would re-check what a person still has to do.
 */
function settleManualSteps(account: AccountRecord): void {
  account.root = { ...account.root, mfaEnabled: true, accessKeysPresent: false };
  const now = new Date().toISOString();
  for (const user of Object.values(account.iam.users)) {
    const serialNumber = `arn:aws:iam::${account.id}:mfa/${user.userName}`;
    user.mfaDevices = [{ serialNumber, enableDate: now }];
    account.iam.virtualMfaDevices[serialNumber] = { serialNumber, userName: user.userName, enableDate: now, createDate: now };
  }
  // Dropped so the next plan generates a report that shows the devices (AWS would serve the old one for 4 hours).
  delete (account.iam as { credentialReport?: unknown }).credentialReport;
}

function pathOf(units: Record<string, { id: string; name: string; parentId: string }>, id: string): string {
  const u = units[id]!;
  const parent = units[u.parentId];
  return parent ? `${pathOf(units, parent.id)}/${u.name}` : u.name;
}
