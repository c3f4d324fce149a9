import { generateKeyPairSync, sign } from 'node:crypto';
import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { ADMINISTRATOR_ACCESS_ARN } from '../../src/sandbox/services/iam/index.js';
import { sandboxClock } from '../helpers/sandbox.js';
import { failure, iamClient, stsClient } from './clients.js';

const GITHUB = 'token.actions.githubusercontent.com';
const REPO = 'acme/infra';

/** A trust policy like the one `lz bootstrap` writes: the GitHub provider, its audience, and a subject pattern. */
function githubTrust(accountId: string, sub: string, operator: 'StringLike' | 'StringEquals'): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${GITHUB}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${GITHUB}:aud`]: 'sts.amazonaws.com' }, [operator]: { [`${GITHUB}:sub`]: sub } },
      },
    ],
  });
}

describe('IAM OpenID Connect providers', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await startSandbox({ seed: 3 });
  });
  afterAll(async () => sb.close());

  it('creates, reads, lists and deletes a provider as IAM does', async () => {
    const iam = iamClient(sb);
    const created = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://${GITHUB}`, ClientIDList: ['sts.amazonaws.com'] }));
    const arn = `arn:aws:iam::${sb.managementAccountId}:oidc-provider/${GITHUB}`;
    expect(created.OpenIDConnectProviderArn).toBe(arn);
    const dup = await failure(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://${GITHUB}`, ClientIDList: ['x'] })));
    expect(dup).toMatchObject({ name: 'EntityAlreadyExistsException', $metadata: { httpStatusCode: 409 } });
    const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    expect(got).toMatchObject({ Url: GITHUB, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [] });
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([{ Arn: arn }]);
    const http = await failure(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://insecure.example.com', ClientIDList: ['a'] })));
    expect(http).toMatchObject({ name: 'InvalidInputException' });
    const thumb = await failure(() => iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://a.example.com', ThumbprintList: ['abc'] })));
    expect(thumb.name).toBe('ValidationError');

    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    expect(sb.state.accounts[sb.managementAccountId]!.iam.oidcProviders).toEqual({});
    const gone = await failure(() => iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
    expect(gone).toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
    // Deleting is idempotent on AWS (its API reference says so).
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  });
});

describe('STS AssumeRoleWithWebIdentity with a GitHub Actions token', () => {
  let sb: SandboxHandle;
  let planRole: string;
  let applyRole: string;
  /** STS as the SDK's web-identity provider uses it: no credentials, so the request goes unsigned. */
  let anonymousSts: STSClient;
  const assume = (RoleArn: string, WebIdentityToken: string, extra: { DurationSeconds?: number } = {}) =>
    anonymousSts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn, WebIdentityToken, RoleSessionName: 'gha-run-1', ...extra }));

  beforeAll(async () => {
    sb = await startSandbox({ seed: 4 });
    const iam = iamClient(sb);
    const id = sb.managementAccountId;
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://${GITHUB}`, ClientIDList: ['sts.amazonaws.com'] }));
    for (const [name, sub, op] of [
      ['lz-plan', `repo:${REPO}:*`, 'StringLike'],
      ['lz-apply', `repo:${REPO}:ref:refs/heads/main`, 'StringEquals'],
    ] as const) {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: githubTrust(id, sub, op) }));
      await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ADMINISTRATOR_ACCESS_ARN }));
    }
    planRole = `arn:aws:iam::${id}:role/lz-plan`;
    applyRole = `arn:aws:iam::${id}:role/lz-apply`;
    anonymousSts = new STSClient({ endpoint: sb.endpoint, region: 'us-east-1', maxAttempts: 1, ...sandboxClock(sb) });
  });
  afterAll(async () => sb.close());

  it('gives a pull request the plan role, unsigned, and the session acts as that role', async () => {
    const seen: string[] = [];
    const stop = sb.onRequest((e) => seen.push(`${e.operation}:${e.callerArn}`));
    const out = await assume(planRole, sb.oidcToken({ sub: `repo:${REPO}:pull_request` }));
    stop();
    // The anonymous caller: no key signed it.
    expect(seen).toEqual(['AssumeRoleWithWebIdentity:']);
    expect(out).toMatchObject({ SubjectFromWebIdentityToken: `repo:${REPO}:pull_request`, Audience: 'sts.amazonaws.com', Provider: `https://${GITHUB}` });
    const c = out.Credentials!;
    const who = await stsClient(sb, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${sb.managementAccountId}:assumed-role/lz-plan/gha-run-1`);
    const users = await iamClient(sb, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken }).send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => u.UserName)).toContain('lz-sandbox-admin');
  });

  it('gives the apply role to main only: a pull request is refused by its trust policy', async () => {
    const main = await assume(applyRole, sb.oidcToken({ sub: `repo:${REPO}:ref:refs/heads/main` }));
    expect(main.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${sb.managementAccountId}:assumed-role/lz-apply/gha-run-1`);
    for (const sub of [`repo:${REPO}:pull_request`, `repo:${REPO}:ref:refs/heads/feature`, 'repo:evil/infra:ref:refs/heads/main']) {
      const denied = await failure(() => assume(applyRole, sb.oidcToken({ sub })));
      expect(denied).toMatchObject({ name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity', $metadata: { httpStatusCode: 403 } });
    }
    const otherRepo = await failure(() => assume(planRole, sb.oidcToken({ sub: 'repo:evil/infra:pull_request' })));
    expect(otherRepo.name).toBe('AccessDenied');
  });

  it('refuses the wrong audience, an expired token, a forged signature, no provider, and a non-JWT', async () => {
    const aud = await failure(() => assume(planRole, sb.oidcToken({ sub: `repo:${REPO}:pull_request`, aud: 'https://github.com/acme' })));
    expect(aud).toMatchObject({ name: 'InvalidIdentityTokenException', message: 'Incorrect token audience', $metadata: { httpStatusCode: 400 } });

    const expired = await failure(() => assume(planRole, sb.oidcToken({ sub: `repo:${REPO}:pull_request`, expiresInSeconds: -1 })));
    expect(expired).toMatchObject({ name: 'ExpiredTokenException', $metadata: { httpStatusCode: 400 } });
    const later = sb.oidcToken({ sub: `repo:${REPO}:pull_request` });
    sb.advanceTime(301_000);
    const stale = new STSClient({ endpoint: sb.endpoint, region: 'us-east-1', maxAttempts: 1, ...sandboxClock(sb) });
    expect(await failure(() => stale.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: planRole, WebIdentityToken: later, RoleSessionName: 'gha' })))).toMatchObject({ name: 'ExpiredTokenException' });

    // The same claims signed with a key that is not the issuer's.
    const genuine = sb.oidcToken({ sub: `repo:${REPO}:pull_request` });
    const [h, p] = genuine.split('.');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = `${h}.${p}.${sign('sha256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url')}`;
    const sts = new STSClient({ endpoint: sb.endpoint, region: 'us-east-1', maxAttempts: 1, ...sandboxClock(sb) });
    const bad = await failure(() => sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: planRole, WebIdentityToken: forged, RoleSessionName: 'gha' })));
    expect(bad).toMatchObject({ name: 'InvalidIdentityTokenException' });

    const member = sb.addStandaloneAccount({ name: 'Member', email: 'member@example.com' });
    const noProvider = await failure(() => sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${member.id}:role/lz-plan`, WebIdentityToken: genuine, RoleSessionName: 'gha' })));
    expect(noProvider).toMatchObject({ name: 'InvalidIdentityTokenException', message: `No OpenIDConnect provider found in your account for https://${GITHUB}` });

    const notJwt = await failure(() => sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: planRole, WebIdentityToken: 'gho_an-access-token', RoleSessionName: 'gha' })));
    expect(notJwt.name).toBe('InvalidIdentityTokenException');
  });

  it('serves only AssumeRoleWithWebIdentity unsigned', async () => {
    const res = await fetch(sb.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: planRole, RoleSessionName: 'gha' }).toString(),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});
