import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteLoginProfileCommand, IAMClient, UpdateLoginProfileCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand, GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountFolder } from '../../src/secrets.js';
import { sandboxClock, startWorld, type TestWorld } from '../helpers/sandbox.js';

const manifest = `
organization: { management: General, units: [Teams] }
defaults:
  iamAdmin: { passwordStore: secrets-manager }
  passwordPolicy: { minimumLength: 16 }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Data, email: aws+data@example.com, unit: Teams }
  - { name: Web, email: aws+web@example.com, unit: Teams, iamAdmin: { passwordStore: local } }
`;
const ACCOUNTS = ['General', 'Data', 'Web'] as const;
type Name = (typeof ACCOUNTS)[number];
const SECRET = 'lz/initial-password/IAMADMIN';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('initial passwords kept in Secrets Manager', () => {
  let w: TestWorld;
  const ids = {} as Record<Name, string>;
  const iam = {} as Record<Name, IAMClient>;
  const sm = {} as Record<Name, SecretsManagerClient>;
  const outputs: string[] = [];
  const run = async (...args: string[]) => {
    const r = await w.lz(...args, '--log-level', 'trace', '--log-file', '.lz/lz.log');
    outputs.push(r.out, r.err);
    return r;
  };
  /** What IAM holds: the SHA-256 of the user's console password (the sandbox keeps no password itself). */
  const heldPassword = (name: Name) => w.sandbox.state.accounts[ids[name]]!.iam.users.IAMADMIN?.loginProfile?.passwordSha256;
  const secretValue = async (name: Name) => JSON.parse((await sm[name].send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString!) as Record<string, string>;

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest);
  });
  afterAll(async () => {
    for (const c of [...Object.values(iam), ...Object.values(sm)]) c.destroy();
    await w.close();
  });

  it('plans each password into the store its account names', async () => {
    const { code, out } = await run('plan', '--detailed-exitcode');
    expect(code).toBe(2);
    for (const a of ['General', 'Data']) expect(out).toContain(`console password = "(generated at apply, written to secretsmanager:us-east-1:${a}:${SECRET})"`);
    expect(out).toContain(`console password = "(generated at apply, written to .lz/secrets/${accountFolder('Web')}/IAMADMIN.txt)"`);
  });

  it('applies: the password IAM took is in a secret of the account the user lives in, tagged, and nowhere on disk', async () => {
    const applied = await run('apply', '--auto-approve');
    expect(applied.code, applied.err).toBe(0);
    for (const a of ACCOUNTS) {
      ids[a] = Object.values(w.sandbox.state.accounts).find((r) => r.name === a)!.id;
      const config = { region: 'us-east-1', endpoint: w.sandbox.endpoint, maxAttempts: 1, ...sandboxClock(w.sandbox) };
      // The management account with its own keys, the others through their access role.
      iam[a] = a === 'General' ? new IAMClient({ ...config, credentials: w.sandbox.managementCredentials }) : await w.memberIam(ids[a]);
      sm[a] = new SecretsManagerClient({ ...config, credentials: a === 'General' ? w.sandbox.managementCredentials : await iam[a].config.credentials() });
    }
    for (const a of ['General', 'Data'] as const) {
      const secret = await sm[a].send(new DescribeSecretCommand({ SecretId: SECRET }));
      expect(secret.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:${ids[a]}:secret:lz/initial-password/IAMADMIN-\\w{6}$`));
      expect(secret.Tags).toContainEqual({ Key: 'lz:managed', Value: 'iam-admin-user' });
      const value = await secretValue(a);
      expect(value).toMatchObject({ accountId: ids[a], userName: 'IAMADMIN', signInUrl: `https://${ids[a]}.signin.aws.amazon.com/console` });
      expect(value.password!.length).toBeGreaterThanOrEqual(20);
      expect(sha256(value.password!)).toBe(heldPassword(a));
      expect(applied.out + applied.err).toContain(`initial console password for IAMADMIN written to ${secret.ARN}`);
    }
    // Web keeps its password locally, and has no secret. (Its first Secrets Manager call, this one, meets a
    // new account's SubscriptionRequiredException for a moment, as on AWS.)
    await sm.Web.send(new DescribeSecretCommand({ SecretId: SECRET })).catch(() => undefined);
    w.sandbox.advanceTime(1000);
    expect(await sm.Web.send(new DescribeSecretCommand({ SecretId: SECRET })).catch((e: unknown) => e)).toBeInstanceOf(ResourceNotFoundException);
    expect(readdirSync(join(w.dir, '.lz', 'secrets'))).toEqual([accountFolder('Web')]);
    expect(existsSync(join(w.dir, '.lz', 'secrets', accountFolder('Web'), 'IAMADMIN.txt'))).toBe(true);
  });

  it('plans nothing while the users have not signed in yet', async () => {
    const again = await run('plan', '--detailed-exitcode');
    expect(again.code, again.out).toBe(0);
  });

  it('deletes the secret, as a planned change, once the user has set their own password', async () => {
    // What AWS shows after the first sign-in: a new password, and no reset required.
    await iam.Data.send(new UpdateLoginProfileCommand({ UserName: 'IAMADMIN', Password: 'Chosen-by-the-person-1!', PasswordResetRequired: false }));
    const plan = await run('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.out).toContain('- Data.iam-admin-user.initial-password');
    expect(plan.out).toContain('IAMADMIN has set their own password');
    expect(plan.out).not.toContain('General.iam-admin-user.initial-password');
    const applied = await run('apply', '--auto-approve');
    expect(applied.code, applied.err).toBe(0);
    const gone = await sm.Data.send(new DescribeSecretCommand({ SecretId: SECRET })).catch((e: unknown) => e);
    expect(gone instanceof ResourceNotFoundException || (gone as { DeletedDate?: Date }).DeletedDate instanceof Date).toBe(true);
    expect((await sm.General.send(new DescribeSecretCommand({ SecretId: SECRET }))).DeletedDate).toBeUndefined();
    const after = await run('plan', '--detailed-exitcode');
    expect(after.code, after.out).toBe(0);
  });

  it('a secret whose password IAM never took (a run stopped between the calls) gets the next password', async () => {
    const old = (await secretValue('General')).password!;
    await iam.General.send(new DeleteLoginProfileCommand({ UserName: 'IAMADMIN' }));
    const plan = await run('plan');
    expect(plan.out).toContain('~ General.iam-admin-user');
    expect(plan.out).not.toContain('General.iam-admin-user.initial-password');
    const applied = await run('apply', '--auto-approve');
    expect(applied.code, applied.err).toBe(0);
    const now = (await secretValue('General')).password!;
    expect(now).not.toBe(old);
    expect(sha256(now)).toBe(heldPassword('General'));
  });

  it('never shows a password in anything lz printed or logged', async () => {
    const passwords = [(await secretValue('General')).password!];
    const everything = [...outputs, readFileSync(join(w.dir, '.lz', 'lz.log'), 'utf8')].join('\n');
    expect(everything).toContain('"operation":"CreateSecret"');
    expect(everything).toContain('"SecretString":"[redacted]"');
    for (const p of passwords) expect(everything.includes(p)).toBe(false);
  });

  it('a user the file no longer names is pruned with its initial-password secret', async () => {
    const before = await sm.General.send(new DescribeSecretCommand({ SecretId: SECRET }));
    expect(before.DeletedDate).toBeUndefined();
    w.writeManifest(manifest.replace('- { name: General, email: aws+general@example.com }', '- { name: General, email: aws+general@example.com, iamAdmin: { user: BREAKGLASS } }'));
    const reported = await run('plan');
    expect(reported.out).toContain('user IAMADMIN in General (lz manages it; accounts.yaml no longer names it; --prune deletes it and its initial-password secret)');
    const plan = await run('plan', '--prune');
    expect(plan.out).toContain('- General.iam-admin-user.IAMADMIN');
    expect(plan.out).toContain(`initial password secret = "${before.ARN}"`);
    const applied = await run('apply', '--prune', '--auto-approve');
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out + applied.err).toContain(`deleting the initial password of IAMADMIN (${before.ARN}) with the user`);
    expect(w.sandbox.state.accounts[ids.General]!.iam.users.IAMADMIN).toBeUndefined();
    const gone = await sm.General.send(new DescribeSecretCommand({ SecretId: SECRET })).catch((e: unknown) => e);
    expect(gone instanceof ResourceNotFoundException || (gone as { DeletedDate?: Date }).DeletedDate instanceof Date).toBe(true);
    // The new administrator has a secret of its own; Data's user, still named, is untouched.
    expect((await sm.General.send(new DescribeSecretCommand({ SecretId: 'lz/initial-password/BREAKGLASS' }))).DeletedDate).toBeUndefined();
    expect(w.sandbox.state.accounts[ids.Data]!.iam.users.IAMADMIN).toBeDefined();
  });
});

