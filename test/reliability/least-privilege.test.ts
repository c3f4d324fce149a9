import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { declaredGrants, generatePolicies } from '../../src/engine/permissions.js';
import { defaultRegistry } from '../../src/resources/registry.js';
import type { RequestLogEntry } from '../../src/sandbox/types.js';
import { deployTemplate } from '../helpers/cloudformation.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

/**
 * Proven least privilege: the demo's apply, a no-change plan and drift, run on the sandbox (which evaluates
 * identity policies on every request) as the roles `lz bootstrap` writes, deployed as CloudFormation would,
 * with member accounts' access role holding only the generated member policies. Everything succeeds; every
 * declared action is one the run used (or is listed below with why it was not); and taking away a declared
 * action, a seeded sample of them, makes the run fail with AccessDenied on that action.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const REPOSITORY = 'acme/infra';
const LOCK_BUCKET = 'acme-lz-locks';
const ACCESS_ROLE = 'OrganizationAccountAccessRole';
const READ_ROLE = 'lz-read';
/** The demo's file as CI runs it (docs/ci.md): an S3 lock, a read role, and initial passwords kept in Secrets Manager. */
const FILE = readFileSync(join(ROOT, 'accounts.yaml'), 'utf8')
  .replace('organization:\n', `organization:\n  lock: { bucket: ${LOCK_BUCKET} }\n  readRole: ${READ_ROLE}\n`)
  .replace('    requireMfa: true\n', '    requireMfa: true\n    passwordStore: secrets-manager\n');

/**
 * Declared, and needed, but not used by this run: paths a first apply on an empty organization does not take.
 * Every declared action is called by lz's source (test/reliability/permissions.test.ts); these say why this
 * run did not. The test fails when an action is neither used nor explained, and when an explanation names
 * an action the run did use, so the list cannot go stale.
 */
const CHANGES_AND_REMOVALS = /:(Delete|Detach|Remove|Untag|Deactivate|Disable|Close|Update|SetDefault|CreatePolicyVersion|PutAccountName|StartPrimaryEmailUpdate|AcceptPrimaryEmailUpdate)/;
const NOT_IN_THIS_RUN: Record<string, string> = {
  'account:ListRegions': 'read only where the file declares optInRegions',
  'account:GetRegionOptStatus': 'read only when a Region is already switching',
  'account:EnableRegion': 'only where the file declares optInRegions',
  'account:GetContactInformation': 'read only where the file declares contactInformation',
  'account:PutContactInformation': 'only where the file declares contactInformation',
  'cloudtrail:LookupEvents': 'read only while an account closure is pending (the closure quota)',
  'identitystore:CreateGroup': 'only for groups the file asks lz to create; the shipped file assigns existing ones',
  'identitystore:DescribeGroup': 'only to name a group that holds an assignment the file does not declare',
  'identitystore:DescribeUser': 'only to name a user that holds an assignment the file does not declare',
  'identitystore:GetUserId': 'only for assignments to users; the shipped file assigns groups',
  'iam:GetGroup': 'read only before deleting a group (--prune)',
  'iam:ListAttachedGroupPolicies': 'read only before deleting a group (--prune)',
  'iam:ListGroupPolicies': 'read only before deleting a group (--prune)',
  'iam:ListEntitiesForPolicy': 'read only before deleting a policy (--prune)',
  'iam:ListAccessKeys': "read only before deleting a user (--prune): IAM refuses while it has credentials",
  'iam:ListAttachedUserPolicies': 'read only before deleting a user (--prune)',
  'iam:ListGroupsForUser': 'read only before deleting a user (--prune)',
  'iam:ListSSHPublicKeys': 'read only before deleting a user (--prune)',
  'iam:ListServiceSpecificCredentials': 'read only before deleting a user (--prune)',
  'iam:ListSigningCertificates': 'read only before deleting a user (--prune)',
  'iam:ListUserPolicies': 'read only before deleting a user (--prune)',
  'iam:TagUser': 'only when an existing user\'s tags differ from the file',
  'organizations:EnablePolicyType': 'SCPs are on when the organization is created; other policy types only when the file uses them',
  'organizations:ListAccounts': 'read only when a creation is resumed from the journal',
  'organizations:ListParents': 'read only when an account moved since the plan',
  's3:GetObject': 'read only to say who holds the S3 lock when it is taken',
  's3:ListAllMyBuckets': 'read only when a bucket name is taken, to say whose it is',
  'secretsmanager:PutSecretValue': 'only when a run stopped between the secret and the login profile',
  'secretsmanager:TagResource': 'only when that stopped run\'s secret lacks lz\'s tag',
  'sso:AttachCustomerManagedPolicyReferenceToPermissionSet': 'only for sets with customer managed policies',
  'sso:PutInlinePolicyToPermissionSet': 'only for sets with an inline policy',
  'sso:PutPermissionsBoundaryToPermissionSet': 'only for sets with a permissions boundary',
  'sso:GetPermissionsBoundaryForPermissionSet': 'read only for sets that have a boundary',
  'sso:ListAccountAssignments': 'read only for an account the plan must check one assignment in',
  'sso:ProvisionPermissionSet': 'only when a provisioned set changes (CreateAccountAssignment provisions a new one)',
  'sso:DescribePermissionSetProvisioningStatus': 'read only while that provisioning runs',
  'sso:DescribeAccountAssignmentDeletionStatus': 'read only while an assignment is being deleted',
};

type Phase = 'apply' | 'plan';

/** What `AssumeRole` answers the credentials `env` holds (the plan role's, say) for a role in a member account. */
async function assumeAnswer(w: TestWorld, env: Record<string, string>, roleArn: string): Promise<string> {
  const sts = new STSClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, maxAttempts: 1, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN } });
  try {
    await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'probe' }));
    return 'allowed';
  } catch (err) {
    return (err as { name?: string }).name ?? 'error';
  } finally {
    sts.destroy();
  }
}

interface Run {
  w: TestWorld;
  results: { step: string; code: number; err: string }[];
  /** Requests lz made as the bootstrap roles and the access role. */
  requests: RequestLogEntry[];
}

const LZ_PRINCIPAL = new RegExp(`:assumed-role/(lz-plan|lz-apply|${ACCESS_ROLE}|${READ_ROLE})/`);

async function webIdentity(w: TestWorld, role: string, sub: string) {
  const sts = new STSClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
  const token = w.sandbox.oidcToken({ sub, aud: 'sts.amazonaws.com' });
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${w.sandbox.managementAccountId}:role/${role}`, RoleSessionName: 'least-privilege', WebIdentityToken: token }));
  sts.destroy();
  const c = out.Credentials!;
  return { AWS_ACCESS_KEY_ID: c.AccessKeyId!, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey!, AWS_SESSION_TOKEN: c.SessionToken! };
}

/** The demo's apply as lz-apply, then a plan and drift as lz-plan; `without` is taken out of every policy. */
async function scenario(without?: string, phases: Phase[] = ['apply', 'plan']): Promise<Run> {
  const w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
  const id = w.sandbox.managementAccountId;
  const admin = { region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials };
  await new S3Client({ ...admin, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: LOCK_BUCKET }));
  w.writeManifest(FILE);
  const bootstrap = await w.lz('bootstrap', '--repository', REPOSITORY);
  expect(bootstrap.code, bootstrap.err).toBe(0);
  await deployTemplate(new IAMClient(admin), bootstrap.out, id, { without });

  // Member accounts' access role holds the generated member policies only (a narrower role of the customer's
  // own), in place of the AdministratorAccess Organizations gives the role it creates, before any request
  // reaches them; and the read role holds the member plan policy, as bootstrap's StackSet deploys it.
  const member = generatePolicies(defaultRegistry, { accessRole: ACCESS_ROLE, readRole: READ_ROLE, lockBucket: LOCK_BUCKET });
  const strip = (doc: (typeof member)['member-plan']) =>
    JSON.stringify({ ...doc, Statement: doc.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== without) })).filter((s) => s.Action.length > 0) });
  w.sandbox.onRequest(() => {
    for (const [accountId, account] of Object.entries(w.sandbox.state.accounts)) {
      const role = account.iam.roles[ACCESS_ROLE];
      if (accountId === id || !role) continue;
      role.attachedPolicies = [];
      role.inlinePolicies = { 'lz-member-plan': strip(member['member-plan']), 'lz-member-apply': strip(member['member-apply']) };
      account.iam.roles[READ_ROLE] ??= {
        ...role,
        roleName: READ_ROLE,
        roleId: `AROA${accountId}READ`,
        arn: `arn:aws:iam::${accountId}:role/${READ_ROLE}`,
        assumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${id}:role/lz-plan` }, Action: 'sts:AssumeRole' }] }),
        inlinePolicies: { 'lz-member-plan': strip(member['member-plan']) },
      };
    }
  });

  const results: Run['results'] = [];
  const as = async (role: string, sub: string, step: string, ...args: string[]) => {
    Object.assign(process.env, await webIdentity(w, role, sub));
    const r = await w.lz(...args);
    results.push({ step, code: r.code, err: r.err });
  };
  w.sandbox.clearRequests();
  if (phases.includes('apply')) await as('lz-apply', `repo:${REPOSITORY}:ref:refs/heads/main`, 'apply', 'apply', '--auto-approve');
  if (phases.includes('plan')) {
    const sub = `repo:${REPOSITORY}:pull_request`;
    await as('lz-plan', sub, 'plan', 'plan', '--detailed-exitcode');
    await as('lz-plan', sub, 'drift', 'drift', '--fail-on', 'drift');
  }
  return { w, results, requests: w.sandbox.requests().filter((r) => LZ_PRINCIPAL.test(r.callerArn)) };
}

/** A seeded, reproducible sample (LZ_LEAST_PRIVILEGE_SEED varies it). */
function sample<T>(list: T[], n: number, seed = Number(process.env.LZ_LEAST_PRIVILEGE_SEED ?? 7)): T[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return [...list].sort().map((x) => ({ x, k: next() })).sort((a, b) => a.k - b.k).slice(0, n).map(({ x }) => x);
}

describe('lz runs with exactly the generated policies', () => {
  let world: TestWorld | undefined;
  /** The declared actions the full run used: the removal sample is drawn from these. */
  let usedInRun: string[] = [];
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('applies, plans and drifts as the bootstrap roles and the member policies, and uses what they grant', async () => {
    // The shipped file took the CI settings (a changed accounts.yaml would otherwise drop them unseen).
    for (const setting of [`bucket: ${LOCK_BUCKET}`, `readRole: ${READ_ROLE}`, 'passwordStore: secrets-manager']) expect(FILE).toContain(setting);
    const run = await scenario();
    world = run.w;
    expect(run.results.map((r) => [r.step, r.code, r.code === 0 ? '' : r.err])).toEqual([
      ['apply', 0, ''],
      ['plan', 0, ''],
      ['drift', 0, ''],
    ]);
    // AWS's own 403s while a new account settles (NotSignedUp, RegionDisabledException) are retried; a refusal is not.
    expect(run.requests.filter((r) => /AccessDenied/.test(r.errorCode ?? ''))).toEqual([]);
    const used = new Set(run.requests.filter((r) => r.status < 300).map((r) => r.action));
    const declared = new Set(Object.values(generatePolicies(defaultRegistry, { accessRole: ACCESS_ROLE, readRole: ACCESS_ROLE, lockBucket: LOCK_BUCKET })).flatMap((d) => d.Statement.flatMap((s) => s.Action)));
    const madeByAws = new Set(declaredGrants(defaultRegistry).filter((d) => d.grant.madeByAws).flatMap((d) => d.grant.actions));
    const unexplained = [...declared].filter((a) => !used.has(a) && !madeByAws.has(a) && !CHANGES_AND_REMOVALS.test(a) && !(a in NOT_IN_THIS_RUN));
    expect(unexplained).toEqual([]);
    expect(Object.keys(NOT_IN_THIS_RUN).filter((a) => used.has(a) || !declared.has(a))).toEqual([]);
    expect(used.size).toBeGreaterThan(80);
    // A pull request's workflow runs as the plan role: it reaches member accounts only through the read role.
    const member = Object.keys(run.w.sandbox.state.accounts).find((a) => a !== run.w.sandbox.managementAccountId)!;
    const plan = await webIdentity(run.w, 'lz-plan', `repo:${REPOSITORY}:pull_request`);
    expect(await assumeAnswer(run.w, plan, `arn:aws:iam::${member}:role/${READ_ROLE}`)).toBe('allowed');
    expect(await assumeAnswer(run.w, plan, `arn:aws:iam::${member}:role/${ACCESS_ROLE}`)).toBe('AccessDenied');
    usedInRun = [...used].filter((a) => declared.has(a));
  }, 300_000);

  it('fails with AccessDenied on the action taken away, for a seeded sample of the declared actions', async () => {
    expect(usedInRun.length).toBeGreaterThan(80);
    for (const action of sample(usedInRun, 4)) {
      const run = await scenario(action);
      world = run.w;
      const refused = run.requests.filter((r) => /AccessDenied/.test(r.errorCode ?? ''));
      expect(refused.length, `without ${action}: nothing was refused`).toBeGreaterThan(0);
      expect(new Set(refused.map((r) => r.action)), `without ${action}`).toEqual(new Set([action]));
      await run.w.close();
      world = undefined;
    }
  }, 600_000);
});
