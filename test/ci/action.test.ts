import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAccountPasswordPolicyCommand, UpdateAccountPasswordPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { IAMClient as Iam } from '@aws-sdk/client-iam';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_PATH, ActionRunner } from '../helpers/action-runner.js';
import { deployTemplate } from '../helpers/cloudformation.js';
import { startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { heldAccounts } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const OWNER = 'acme';
const REPO = 'infra';
const LOCK_BUCKET = 'acme-lz-locks';

const manifest = (extra: { accounts?: string; minimumLength?: number } = {}) => `organization:
  management: General
  units: [Teams]
  lock: { bucket: ${LOCK_BUCKET} }
defaults:
  iamAdmin: { passwordStore: secrets-manager }
  passwordPolicy: { minimumLength: ${extra.minimumLength ?? 14}, reusePrevention: 24 }
  s3PublicAccessBlock: {}
  contacts:
    security: { name: Security Team, email: security@example.com, phone: "+1 555 0100", title: CISO }
accounts:
  - { name: General,     email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com, unit: Teams }
${extra.accounts ?? ''}`;

const sha = (c: string) => c.repeat(40);

describe('the GitHub Action, run as GitHub runs it, against the sandbox and a fake GitHub', () => {
  let w: TestWorld;
  let gh: FakeGithub;
  let runner: ActionRunner;
  let workspace: string;
  let planRole: string;
  let applyRole: string;
  let runId = 100;
  /** Who made each call lz made, by role session. */
  const callers = () => new Set(w.sandbox.requests().map((r) => r.callerArn).filter((a) => a.includes(':assumed-role/lz-')));
  const iamIn = (id: string): Promise<IAMClient> => w.memberIam(id);

  /** A run of the action on a fresh runner: the checkout holds `file`; .lz/ does not survive runs. */
  const run = (event: 'pull_request' | 'push' | 'schedule', opts: { sha: string; file: string; payload?: Record<string, unknown>; role: string; env?: Record<string, string> }) => {
    writeFileSync(join(workspace, 'accounts.yaml'), opts.file);
    rmSync(join(workspace, '.lz'), { recursive: true, force: true });
    gh.subject = event === 'pull_request' ? `repo:${OWNER}/${REPO}:pull_request` : `repo:${OWNER}/${REPO}:ref:refs/heads/main`;
    return runner.run({
      event,
      sha: opts.sha,
      payload: opts.payload ?? {},
      workspace,
      runId: ++runId,
      inputs: { 'role-arn': opts.role, install: 'false' },
      env: { AWS_ENDPOINT_URL: w.sandbox.endpoint, ...opts.env },
    });
  };
  const pullRequest = (number: number, head: string) => ({ pull_request: { number, head: { sha: head } } });

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    const id = w.sandbox.managementAccountId;
    const config = { region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials };
    const iam = new Iam(config);
    // The roles are what `lz bootstrap` writes for this repository, deployed as CloudFormation would: the
    // action runs with exactly the generated plan and apply policies.
    w.writeManifest(manifest());
    const bootstrap = await w.lz('bootstrap', '--repository', `${OWNER}/${REPO}`);
    expect(bootstrap.code, bootstrap.err).toBe(0);
    await deployTemplate(iam, bootstrap.out, id);
    await new S3Client({ ...config, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: LOCK_BUCKET }));
    planRole = `arn:aws:iam::${id}:role/lz-plan`;
    applyRole = `arn:aws:iam::${id}:role/lz-apply`;
    gh = await startFakeGithub(OWNER, REPO, (sub, aud) => w.sandbox.oidcToken({ sub, aud }));
    runner = new ActionRunner(gh, `${OWNER}/${REPO}`);
    workspace = mkdtempSync(join(tmpdir(), 'lz-checkout-'));
  }, 60_000);
  afterAll(async () => {
    await gh?.close();
    await w?.close();
  });

  it('on a pull request: validates, plans as lz-plan without writing, posts one comment, and saves the plan', async () => {
    w.sandbox.clearRequests();
    const first = await run('pull_request', { sha: sha('1'), file: manifest(), payload: pullRequest(7, sha('a')), role: planRole });
    expect(first.ok, first.log).toBe(true);
    expect(first.outputs.plan).toEqual({ 'has-changes': 'true' });
    expect(w.sandbox.requests().filter((r) => !r.readOnly && r.operation !== 'AssumeRoleWithWebIdentity')).toEqual([]);
    expect([...callers()].every((a) => a.includes(':assumed-role/lz-plan/lz-101-1'))).toBe(true);
    expect(callers().size).toBe(1);
    // One credential chain for the whole run: one AssumeRoleWithWebIdentity, not one per SDK client.
    expect(w.sandbox.requests().filter((r) => r.operation === 'AssumeRoleWithWebIdentity')).toHaveLength(1);
    const comments = gh.comments.get(7)!;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/^<!-- lz-plan -->\n/);
    expect(comments[0]!.body).toContain('Development');
    expect(comments[0]!.body).toContain(`artifact \`lz-plan-${sha('a')}\``);
    expect(gh.artifacts.map((a) => a.name)).toEqual([`lz-plan-${sha('a')}`]);
    expect(await heldAccounts(w.organizations).catch(() => [])).toEqual([]);

    // A second push to the pull request: the same comment, now with the new plan.
    const second = await run('pull_request', { sha: sha('2'), file: manifest({ accounts: '  - { name: Testing, email: aws+testing@example.com, unit: Teams }\n' }), payload: pullRequest(7, sha('b')), role: planRole });
    expect(second.ok, second.log).toBe(true);
    expect(gh.comments.get(7)).toHaveLength(1);
    expect(gh.comments.get(7)![0]!.body).toContain('Testing');
    expect(gh.comments.get(7)![0]!.body).toContain(sha('b').slice(0, 7));
  }, 120_000);

  it('on merge: applies exactly the reviewed plan as lz-apply, under the S3 lock, and releases it', async () => {
    gh.pulls.push({ number: 7, headSha: sha('b'), mergeCommitSha: sha('m') });
    w.sandbox.clearRequests();
    const merged = await run('push', { sha: sha('m'), file: manifest({ accounts: '  - { name: Testing, email: aws+testing@example.com, unit: Teams }\n' }), role: applyRole });
    expect(merged.ok, merged.log).toBe(true);
    expect(merged.log).toContain(`Applying the plan reviewed on #7 (lz-plan-${sha('b')}`);
    const held = await heldAccounts(w.organizations);
    expect(held.map((a) => `${a.name} ${a.unit}`).sort()).toEqual(['Development Teams', 'General (root)', 'Testing Teams']);
    const testing = held.find((a) => a.name === 'Testing')!;
    const policy = await (await iamIn(testing.id)).send(new GetAccountPasswordPolicyCommand({}));
    expect(policy.PasswordPolicy?.MinimumPasswordLength).toBe(14);
    // The new account's IAMADMIN password outlives the runner: a secret in that account, not a file in .lz/.
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: await (await iamIn(testing.id)).config.credentials() });
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'lz/initial-password/IAMADMIN' }))).Tags).toContainEqual({ Key: 'lz:managed', Value: 'iam-admin-user' });
    expect(merged.log).toContain(`arn:aws:secretsmanager:us-east-1:${testing.id}:secret:lz/initial-password/IAMADMIN`);
    expect(w.sandbox.requests().some((r) => r.service === 's3' && r.operation === 'PutObject' && r.callerArn.includes('assumed-role/lz-apply/'))).toBe(true);
    const s3 = new S3Client({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, forcePathStyle: true });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: LOCK_BUCKET }))).KeyCount).toBe(0);
  }, 180_000);

  it('refuses to apply a commit no reviewed pull request was merged as', async () => {
    w.sandbox.clearRequests();
    const direct = await run('push', { sha: sha('d'), file: manifest({ minimumLength: 20 }), role: applyRole });
    expect(direct.ok).toBe(false);
    expect(direct.log).toContain(`No pull request was merged as ${sha('d')}: lz applies only a plan reviewed on a pull request`);
    expect(w.sandbox.requests().filter((r) => !r.readOnly && r.operation !== 'AssumeRoleWithWebIdentity')).toEqual([]);
  }, 60_000);

  it('on a schedule: no issue when clean, one lz-drift issue when something changed out of band', async () => {
    // What only people can do (root MFA, each IAMADMIN's own MFA device), done, so that a clean run is clean.
    for (const a of Object.values(w.sandbox.state.accounts)) {
      a.root.mfaEnabled = true;
      const admin = a.iam.users.IAMADMIN;
      if (admin) admin.mfaDevices = [{ serialNumber: `arn:aws:iam::${a.id}:mfa/IAMADMIN`, enableDate: new Date().toISOString() }];
    }
    const file = manifest({ accounts: '  - { name: Testing, email: aws+testing@example.com, unit: Teams }\n' });
    const clean = await run('schedule', { sha: sha('m'), file, role: planRole });
    expect(clean.ok, clean.log).toBe(true);
    expect(clean.outputs.drift, clean.summary).toEqual({ drifted: 'false' });
    expect(gh.issues).toEqual([]);

    const dev = (await heldAccounts(w.organizations)).find((a) => a.name === 'Development')!;
    await (await iamIn(dev.id)).send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, PasswordReusePrevention: 24 }));
    const drifted = await run('schedule', { sha: sha('m'), file, role: planRole });
    expect(drifted.ok, drifted.log).toBe(true);
    expect(drifted.outputs.drift).toEqual({ drifted: 'true' });
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]).toMatchObject({ state: 'open', labels: ['lz-drift'] });
    expect(gh.issues[0]!.body).toMatch(/^<!-- lz-drift -->\n/);
    expect(gh.issues[0]!.body).toContain('Development');
    const again = await run('schedule', { sha: sha('m'), file, role: planRole });
    expect(again.ok, again.log).toBe(true);
    expect(gh.issues).toHaveLength(1);
  }, 180_000);

  it('keeps the OIDC token file fresh while lz runs (GitHub’s tokens last five minutes), and leaves no helper running', async () => {
    const before = gh.tokensIssued;
    // Every 0.2 s instead of every four minutes: a plan of a few seconds stands in for an apply of hours.
    const r = await run('pull_request', { sha: sha('5'), file: manifest(), payload: pullRequest(9, sha('e')), role: planRole, env: { LZ_OIDC_REFRESH_SECONDS: '0.2' } });
    expect(r.ok, r.log).toBe(true);
    // One token for the credentials step, then fresh ones while validate and plan ran.
    expect(gh.tokensIssued - before).toBeGreaterThan(3);
    expect(r.log).not.toContain('could not refresh');
    // The plan on stdout is lz's alone: the comment holds no word of the helper.
    expect(gh.comments.get(9)![0]!.body).toMatch(/^<!-- lz-plan -->\n## lz plan: /);
    const helpers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('oidc-refresh.mjs'));
    expect(helpers).toEqual([]);
  }, 120_000);

  it('refuses a reviewed plan that AWS has made stale since, and changes nothing', async () => {
    const file = manifest({ minimumLength: 16, accounts: '  - { name: Testing, email: aws+testing@example.com, unit: Teams }\n' });
    const reviewed = await run('pull_request', { sha: sha('3'), file, payload: pullRequest(8, sha('c')), role: planRole });
    expect(reviewed.ok, reviewed.log).toBe(true);
    const testing = (await heldAccounts(w.organizations)).find((a) => a.name === 'Testing')!;
    await (await iamIn(testing.id)).send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 10, PasswordReusePrevention: 24 }));

    gh.pulls.push({ number: 8, headSha: sha('c'), mergeCommitSha: sha('n') });
    const merged = await run('push', { sha: sha('n'), file, role: applyRole });
    expect(merged.ok).toBe(false);
    expect(merged.steps.at(-1)!.name).toBe('Apply the reviewed plan');
    expect(merged.log).toMatch(/stale/i);
    const policy = await (await iamIn(testing.id)).send(new GetAccountPasswordPolicyCommand({}));
    expect(policy.PasswordPolicy?.MinimumPasswordLength).toBe(10);
  }, 180_000);
});

describe('the example workflows in docs/examples/github', () => {
  const action = parse(readFileSync(join(ACTION_PATH, 'action.yml'), 'utf8')) as { inputs: Record<string, { required?: boolean }> };
  const workflows = readdirSync(join(ACTION_PATH, 'docs', 'examples', 'github')).filter((f) => f.endsWith('.yml'));

  it.each(workflows)('%s gives the action only inputs it has, every required one, and an OIDC token', (file) => {
    const wf = parse(readFileSync(join(ACTION_PATH, 'docs', 'examples', 'github', file), 'utf8')) as {
      permissions: Record<string, string>;
      jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }>;
    };
    expect(wf.permissions['id-token']).toBe('write');
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps.filter((s) => s.uses === 'OWNER/lz@v1'));
    expect(steps).toHaveLength(1);
    const given = Object.keys(steps[0]!.with ?? {});
    expect(given.filter((k) => !(k in action.inputs))).toEqual([]);
    expect(Object.entries(action.inputs).filter(([k, v]) => v.required && !given.includes(k))).toEqual([]);
  });
});
