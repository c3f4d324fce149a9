import { IAMClient } from '@aws-sdk/client-iam';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { sandboxClock } from '../helpers/sandbox.js';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function clientConfig(sb: SandboxHandle, credentials: Creds = sb.managementCredentials, maxAttempts = 1) {
  return { endpoint: sb.endpoint, region: 'us-east-1', credentials, maxAttempts, ...sandboxClock(sb) };
}

export const iamClient = (sb: SandboxHandle, credentials?: Creds, maxAttempts = 1) => new IAMClient(clientConfig(sb, credentials, maxAttempts));
export const stsClient = (sb: SandboxHandle, credentials?: Creds, maxAttempts = 1) => new STSClient(clientConfig(sb, credentials, maxAttempts));

/**
 * S3 Control's endpoint rules put the account id in the host (`{AccountId}.{endpoint host}`), which a
 * loopback endpoint cannot take (`http://123456789012.127.0.0.1:PORT` is no URL). `endpointProvider`, a
 * client option, replaces the rules: every request goes to the sandbox's endpoint as it is, and the
 * account stays in the `x-amz-account-id` header. lz's AwsContext needs the same option.
 */
export const s3ControlClient = (sb: SandboxHandle, credentials?: Creds, maxAttempts = 1) =>
  new S3ControlClient({ ...clientConfig(sb, credentials, maxAttempts), endpointProvider: () => ({ url: new URL(sb.endpoint) }) });

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
