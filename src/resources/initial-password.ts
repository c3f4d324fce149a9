import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, PutSecretValueCommand, TagResourceCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetLoginProfileCommand } from '@aws-sdk/client-iam';
import { NOT_FOUND, ignoreCodes, isError } from '../aws/aws-errors.js';
import { reads, writes, type Grant } from '../core/permissions.js';
import type { AccountApplyContext, AccountReadContext } from '../core/module.js';
import { MANAGED_BY_TAG } from '../core/reconcile.js';
import { LzError } from '../errors.js';
import { displaySecretFile, secretFile, stageSecret } from '../secrets.js';
import { MANAGED_TAG_VALUE } from './iam-reads.js';

/**
 * Where an initial console password goes: the local folder (`.lz/secrets/`, 0600 files), or AWS Secrets
 * Manager in the account the user lives in, in the run's Region, one secret per user. Either way the
 * password is stored before IAM gets it and dropped if IAM refuses it, so a password IAM took is never lost.
 */
export const PASSWORD_STORES = ['local', 'secrets-manager'] as const;
export type PasswordStore = (typeof PASSWORD_STORES)[number];

/** The secret of `user`'s initial password: `lz/initial-password/IAMADMIN`. */
export const passwordSecretName = (user: string) => `lz/initial-password/${user}`;

/** The store's calls, on lz's initial-password secrets only (GetSecretValue is the person's, never lz's). */
const PASSWORD_SECRETS = 'arn:aws:secretsmanager:*:*:secret:lz/initial-password/*';
export const PASSWORD_SECRET_GRANTS: Grant[] = [
  { ...reads('secretsmanager:DescribeSecret'), resource: PASSWORD_SECRETS },
  { ...writes('secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource', 'secretsmanager:DeleteSecret'), resource: PASSWORD_SECRETS },
];

/** Where the plan says the password will go: `.lz/secrets/Dev-1a2b3c4d/IAMADMIN.txt` or `secretsmanager:us-east-1:Dev:lz/initial-password/IAMADMIN`. */
export function passwordLocation(store: PasswordStore, account: string, user: string, region: string): string {
  return store === 'local' ? displaySecretFile(account, user) : `secretsmanager:${region}:${account}:${passwordSecretName(user)}`;
}

/**
 * A password stored around the call that makes it real: `stage` stores it before the call, `commit` after
 * the call succeeded, `discard` when it failed. `where` says where a person finds it.
 */
export interface StagedPassword {
  where: string;
  commit(): void;
  discard(): Promise<void>;
}

export interface PasswordText {
  account: string;
  accountId: string;
  user: string;
  password: string;
}

const signInUrl = (accountId: string) => `https://${accountId}.signin.aws.amazon.com/console`;

/** The local store: a pending 0600 file, renamed into place once IAM took the password. */
export function stageLocal(ctx: AccountApplyContext, p: PasswordText): StagedPassword {
  const text = [
    `AWS account:      ${p.account} (${p.accountId})`,
    `Sign-in URL:      ${signInUrl(p.accountId)}`,
    `IAM user:         ${p.user}`,
    `Initial password: ${p.password}`,
    '',
    'AWS asks for a new password at the first sign-in. Then assign an MFA device',
    '(Security credentials > Assign MFA device) and delete this file.',
    '',
  ].join('\n');
  const staged = stageSecret(ctx.workdir, secretFile(ctx.workdir, p.account, p.user), text);
  return { where: displaySecretFile(p.account, p.user), commit: staged.commit, discard: async () => staged.discard() };
}

/**
 * The Secrets Manager store: the secret holds the password before IAM does. CreateSecret carries a
 * ClientRequestToken, so the SDK's retry of a call whose answer was lost is the same call to AWS, not a
 * second secret. A secret of that name that is there already holds a password IAM never took (a run
 * stopped between the two calls, or the login profile was deleted since): it gets a new current version.
 * If IAM then refuses the password, the secret is deleted again.
 */
export async function stageInSecretsManager(ctx: AccountApplyContext, p: PasswordText, region: string): Promise<StagedPassword> {
  const sm = ctx.clients.secretsManagerIn(region);
  const name = passwordSecretName(p.user);
  const value = JSON.stringify({ account: p.account, accountId: p.accountId, signInUrl: signInUrl(p.accountId), userName: p.user, password: p.password });
  const tags = [{ Key: MANAGED_BY_TAG, Value: MANAGED_TAG_VALUE }];
  let arn: string | undefined;
  try {
    const made = await sm.send(
      new CreateSecretCommand({
        Name: name,
        Description: `Initial console password of IAM user ${p.user}, made by lz. lz deletes it once the user has set their own password.`,
        SecretString: value,
        ClientRequestToken: randomUUID(),
        Tags: tags,
      }),
    );
    arn = made.ARN;
  } catch (err) {
    if (isError(err, 'InvalidRequestException')) {
      throw new LzError('password-secret-deleting', `The secret ${name} in ${p.account} (${region}) is scheduled for deletion, so Secrets Manager cannot take ${p.user}'s initial password yet; no password was set.`, {
        hint: `Run lz apply again in a minute (a deletion lz made completes within seconds), or restore the secret: aws secretsmanager restore-secret --secret-id ${name} --region ${region}`,
        cause: err,
      });
    }
    if (!isError(err, 'ResourceExistsException')) throw err;
    const put = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: randomUUID() }));
    arn = put.ARN;
    // Adopted: lz's tag is how a later plan knows the secret is lz's to delete.
    await sm.send(new TagResourceCommand({ SecretId: name, Tags: tags }));
  }
  const where = arn ?? `secretsmanager:${region}:${p.accountId}:${name}`;
  return {
    where,
    commit: () => undefined,
    discard: async () => {
      try {
        await deletePasswordSecret(sm, where);
      } catch (err) {
        // The error that matters is IAM's; a secret left behind holds a password that signs in nowhere,
        // and the next plan deletes it (or the next apply replaces its value).
        ctx.logger.warn({ account: p.account, secret: where, err }, 'could not delete the secret of a password IAM refused');
      }
    },
  };
}

/** Deletes a secret at once: the value is a password that no longer signs in, so a recovery window keeps nothing worth keeping. */
export async function deletePasswordSecret(sm: SecretsManagerClient, secretId: string): Promise<void> {
  await ignoreCodes(sm.send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true })), NOT_FOUND);
}

/** What a plan knows of a user's initial-password secret and of the password IAM holds. */
export interface PasswordSecretState {
  arn: string;
  /**
   * `waiting`: IAM holds a password the user must still change (PasswordResetRequired), presumably the
   * secret's. `changed`: the user has set their own password. `no-login-profile`: the user has no console
   * password (a run stopped between the two calls, or the profile was deleted since).
   */
  password: 'waiting' | 'changed' | 'no-login-profile';
}

/**
 * The user's initial-password secret, when lz made it (its tag) and it is not being deleted, and the state
 * of the user's login profile. The credential report cannot tell: its password_last_changed is set by
 * CreateLoginProfile itself, after the secret was made, and may be four hours old. GetLoginProfile's
 * PasswordResetRequired is current, and turns false when the user sets their own password at first sign-in.
 */
export async function readPasswordSecret(ctx: AccountReadContext, user: string, userExists: boolean): Promise<PasswordSecretState | undefined> {
  const secret = await ignoreCodes(ctx.clients.secretsManager.send(new DescribeSecretCommand({ SecretId: passwordSecretName(user) })), NOT_FOUND);
  if (!secret?.ARN || secret.DeletedDate || !secret.Tags?.some((t) => t.Key === MANAGED_BY_TAG)) return undefined;
  const profile = userExists ? await ignoreCodes(ctx.clients.iam.send(new GetLoginProfileCommand({ UserName: user })), NOT_FOUND) : undefined;
  const password = !profile?.LoginProfile ? 'no-login-profile' : profile.LoginProfile.PasswordResetRequired ? 'waiting' : 'changed';
  return { arn: secret.ARN, password };
}

