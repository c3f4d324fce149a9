import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { SandboxHandle } from '../../src/sandbox/index.js';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function clientConfig(sb: SandboxHandle, credentials: Creds = sb.managementCredentials, maxAttempts = 1) {
  return { endpoint: sb.endpoint, region: 'us-east-1', credentials, maxAttempts };
}

export const iamClient = (sb: SandboxHandle, credentials?: Creds, maxAttempts = 1) => new IAMClient(clientConfig(sb, credentials, maxAttempts));
export const stsClient = (sb: SandboxHandle, credentials?: Creds, maxAttempts = 1) => new STSClient(clientConfig(sb, credentials, maxAttempts));

/** Runs `fn`, expecting it to throw; returns the error (fails the test if it does not throw). */
export async function failure(fn: () => Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; Code?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export async function assume(sb: SandboxHandle, roleArn: string, from?: Creds, extra: { DurationSeconds?: number; RoleSessionName?: string } = {}): Promise<Creds & { sessionToken: string; expiration: Date }> {
  const sts = stsClient(sb, from);
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: extra.RoleSessionName ?? 'test', DurationSeconds: extra.DurationSeconds }));
  sts.destroy();
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken ?? '', expiration: c.Expiration! };
}
