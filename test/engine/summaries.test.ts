import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListTagsForResourceCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_STATE } from '../../src/cli/session.js';
import { accountIds } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

/**
 * What a person reads at the end of a plan or an apply says what happened: unreadable accounts are unknown,
 * not "matching"; what is left alone says how to remove it; manual steps are counted, not printed in full;
 * a password file a run left pending is named until it is handled.
 */
const MANIFEST = `organization:
  management: General
  units: [Workloads/Prod, Teams]
defaults:
  passwordPolicy: { minimumLength: 14 }
  iamAdmin: {}
accounts:
  - { name: General,     email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com, unit: Teams, tags: { team: dev } }
  - { name: Production,  email: aws+production@example.com,  unit: Workloads/Prod }
`;

interface PlanJson {
  manifest: { file: string };
  summary: { add: number; change: number; destroy: number; manual: number; prunable: number; unreadable: number; pendingSecrets: number; complete: boolean; text: string };
  unreadable?: { account: string }[];
  pendingSecrets?: string[];
  manual: { address: string; step?: string }[];
}

describe('plan and apply summaries', () => {
  let w: TestWorld;
  let ids: Record<string, string>;
  let applyErr: string;

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(MANIFEST);
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, applied.err + applied.out).toBe(0);
    applyErr = applied.err;
    ids = await accountIds(w.organizations);
  }, 60_000);
  afterAll(async () => w.close());

  it("shows organization-level steps in apply's progress, not only account items", () => {
    // Off a terminal: `lz: [subject] step (elapsed)`.
    expect(applyErr).toContain('lz: [organization] + organization');
    expect(applyErr).toMatch(/lz: \[organization\] \+ unit:Workloads\/Prod/);
    expect(applyErr).toMatch(/lz: \[Development\] \+ account:Development/);
    expect(applyErr).toMatch(/lz: \[Development\] \+ password-policy/);
  });

  it('says how many accounts could not be read and that their state is unknown, in text and JSON', async () => {
    const roles = w.sandbox.state.accounts[ids.Production!]!.iam.roles;
    const role = roles.OrganizationAccountAccessRole!;
    delete roles.OrganizationAccountAccessRole;
    try {
      const text = await w.lz('plan');
      expect(text.code).toBe(1);
      expect(text.out).not.toContain('matches accounts.yaml');
      expect(text.out).toContain('Plan incomplete: 1 account could not be read, so its state is unknown');
      const json = await w.lz('plan', '--json');
      expect(json.code).toBe(1);
      const plan = JSON.parse(json.out) as PlanJson;
      expect(plan.summary).toMatchObject({ unreadable: 1, complete: false, add: 0, change: 0, destroy: 0 });
      expect(plan.summary.text).toContain('1 account could not be read');
      expect(plan.unreadable!.map((u) => u.account)).toEqual(['Production']);
    } finally {
      roles.OrganizationAccountAccessRole = role;
    }
  });

  it('says that --prune removes what the file no longer names, and counts it in JSON', async () => {
    w.writeManifest(MANIFEST.replace(', tags: { team: dev }', ''));
    try {
      const text = await w.lz('plan');
      expect(text.code).toBe(0);
      const last = text.out.trimEnd().split('\n').find((l) => l.startsWith('No changes.'))!;
      expect(last).toContain('1 thing accounts.yaml no longer names is left alone: lz plan --prune removes it.');
      const plan = JSON.parse((await w.lz('plan', '--json')).out) as PlanJson;
      expect(plan.summary).toMatchObject({ prunable: 1, complete: true });
      const pruned = await w.lz('plan', '--prune');
      expect(pruned.out).toContain('tags.team');
      expect(pruned.out).not.toContain('--prune removes');
    } finally {
      w.writeManifest(MANIFEST);
    }
  });

  it('prints one line per kind of manual step with its count, and the checklist with --manual', async () => {
    const { out, code } = await w.lz('plan');
    expect(code).toBe(0);
    expect(out).toContain('  ! root user has no MFA (3): General, Development, Production');
    expect(out).toContain('  ! IAM user can sign in to the console without MFA (3): General, Development, Production');
    expect(out).toContain('lz plan --manual');
    // The instructions are in the checklist, not in every plan.
    expect(out).not.toContain('Assign MFA device');
    expect(out.split('\n').filter((l) => l.startsWith('  ! '))).toHaveLength(2);
    expect(out.trimEnd().split('\n').length).toBeLessThan(12);
    const checklist = await w.lz('plan', '--manual');
    expect(checklist.out).toContain('Assign MFA device');
    const plan = JSON.parse((await w.lz('plan', '--json')).out) as PlanJson;
    expect(plan.manual.find((c) => c.address === 'Production.root-user.mfa')!.step).toBe('root user has no MFA');
    expect(plan.summary.manual).toBe(6);
  });

  it('names a password file a run left pending, in plan and apply, until it is handled', async () => {
    const dir = join(w.dir, '.lz', 'secrets', 'Development');
    mkdirSync(dir, { recursive: true });
    const pending = join(dir, 'IAMADMIN.txt.pending');
    writeFileSync(pending, 'Initial password: x\n', { mode: 0o600 });
    const file = join('.lz', 'secrets', 'Development', 'IAMADMIN.txt.pending');

    const plan = await w.lz('plan');
    expect(plan.out).toContain(`! ${file}`);
    expect(plan.out).toContain('1 console password not confirmed');
    const json = JSON.parse((await w.lz('plan', '--json')).out) as PlanJson;
    expect(json.pendingSecrets).toEqual([file]);
    expect(json.summary.pendingSecrets).toBe(1);

    // An apply with something to do: its outcome names the file too.
    w.writeManifest(MANIFEST.replace('tags: { team: dev }', 'tags: { team: dev, cost: c1 }'));
    const apply = await w.lz('apply', '--auto-approve');
    expect(apply.code, apply.err).toBe(0);
    const outcome = apply.out.slice(apply.out.indexOf('Apply complete!'));
    expect(outcome).toContain(`! ${file}`);

    // Handled (renamed): no longer mentioned.
    writeFileSync(join(dir, 'IAMADMIN.txt'), readFileSync(pending));
    const { rmSync } = await import('node:fs');
    rmSync(pending);
    const after = await w.lz('plan');
    expect(after.out).not.toContain('.pending');
    expect((JSON.parse((await w.lz('plan', '--json')).out) as PlanJson).pendingSecrets).toBeUndefined();
  });

  it('records the manifest as an absolute path, and apply PLANFILE plans against that file, not -f', async () => {
    writeFileSync(join(w.dir, 'other.yaml'), MANIFEST.replace('tags: { team: dev, cost: c1 }', 'tags: { team: dev, cost: c2 }').replace('tags: { team: dev }', 'tags: { team: dev, cost: c2 }'));
    const saved = await w.lz('plan', '-f', 'other.yaml', '--out', 'p.json');
    expect(saved.code, saved.err).toBe(0);
    const plan = JSON.parse(readFileSync(join(w.dir, 'p.json'), 'utf8')) as PlanJson;
    expect(plan.manifest.file).toBe(join(w.dir, 'other.yaml'));
    // accounts.yaml (the default -f) says something else: the saved plan is still applied against other.yaml.
    const applied = await w.lz('apply', 'p.json');
    expect(applied.code, applied.err + applied.out).toBe(0);
    expect(applied.out).toContain('Apply complete!');
    // What AWS holds is other.yaml's, not accounts.yaml's.
    const tags = await w.organizations.send(new ListTagsForResourceCommand({ ResourceId: ids.Development! }));
    expect(tags.Tags).toContainEqual({ Key: 'cost', Value: 'c2' });
    // -f naming another file than the plan's is refused before anything is read.
    const other = await w.lz('plan', '-f', 'other.yaml', '--out', 'p2.json');
    expect(other.code).toBe(0);
    const refused = await w.lz('apply', '-f', 'accounts.yaml', 'p2.json');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('a saved plan is applied against the file it was made from');
  });

  it('says "1 change differs" when a saved plan is stale by one change', async () => {
    w.writeManifest(MANIFEST.replace('tags: { team: dev }', 'tags: { team: dev, cost: c3 }'));
    expect((await w.lz('plan', '--out', 'stale.json')).code).toBe(0);
    w.writeManifest(MANIFEST.replace('tags: { team: dev }', 'tags: { team: dev, cost: c4 }'));
    const stale = await w.lz('apply', 'stale.json');
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('since it was made, 1 change differs from what a plan shows now');
  });
});

describe('one spelling for JSON, and small CLI things', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(MANIFEST);
  });
  afterAll(async () => w.close());

  it('takes --json on drift and --format json on plan', async () => {
    const drift = await w.lz('drift', '--json');
    expect(JSON.parse(drift.out)).toMatchObject({ format: 'lz-drift' });
    const plan = await w.lz('plan', '--format', 'json');
    expect(JSON.parse(plan.out)).toMatchObject({ format: 'lz-plan' });
    const both = await w.lz('drift', '--json', '--format', 'markdown');
    expect(both.code).toBe(1);
    expect(both.err).toContain('--json is --format json');
  });

  it('does not list --parallelism in unlock --help', async () => {
    const help = await w.lz('unlock', '--help');
    expect(help.out).toContain('--sandbox');
    expect(help.out).not.toContain('--parallelism');
    expect((await w.lz('plan', '--help')).out).toContain('--parallelism');
  });

  it('names a missing AWS profile', async () => {
    const env = { AWS_PROFILE: process.env.AWS_PROFILE, KEY: process.env.AWS_ACCESS_KEY_ID, CONFIG: process.env.AWS_CONFIG_FILE, CREDS: process.env.AWS_SHARED_CREDENTIALS_FILE };
    Object.assign(process.env, { AWS_PROFILE: 'no-such-profile', AWS_CONFIG_FILE: join(w.dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(w.dir, 'credentials') });
    delete process.env.AWS_ACCESS_KEY_ID;
    try {
      const r = await w.lz('plan');
      expect(r.code).toBe(1);
      expect(r.err).toContain('AWS profile "no-such-profile" (from AWS_PROFILE) is not in');
      const flag = await w.lz('plan', '--profile', 'other-typo');
      expect(flag.err).toContain('AWS profile "other-typo" (from --profile)');
    } finally {
      process.env.AWS_ACCESS_KEY_ID = env.KEY;
      for (const [k, v] of [['AWS_PROFILE', env.AWS_PROFILE], ['AWS_CONFIG_FILE', env.CONFIG], ['AWS_SHARED_CREDENTIALS_FILE', env.CREDS]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("runs the demo in the sandbox state the README's next command reads", () => {
    const demo = readFileSync('scripts/demo.mjs', 'utf8');
    const state = /const state = '([^']+)'/.exec(demo)![1];
    const readme = readFileSync('README.md', 'utf8');
    // Either the demo uses the default state (`npx lz plan --sandbox`), or the README names the demo's.
    expect(state === DEFAULT_SANDBOX_STATE || readme.includes(`--sandbox ${state}`)).toBe(true);
  });
});
