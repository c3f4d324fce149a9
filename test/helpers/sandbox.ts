import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/index.js';
import { runCli } from '../../src/cli/program.js';
import { bufferIO } from '../../src/cli/io.js';

export interface TestWorld {
  sandbox: SandboxHandle;
  /** A fresh working directory holding accounts.yaml and .lz/. */
  dir: string;
  writeManifest(yaml: string): void;
  /** Runs the CLI in-process against the sandbox (through AWS_ENDPOINT_URL, as a user would point it). */
  lz(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  organizations: OrganizationsClient;
  /** IAM (or other) clients inside a member account, through its access role, for assertions. */
  memberIam(accountId: string, role?: string): Promise<IAMClient>;
  close(): Promise<void>;
}

/**
 * SDK client options for a client whose clock agrees with the sandbox's at its creation. The sandbox refuses
 * a signature more than 15 minutes off its clock, which tests move with advanceTime: a client made after the
 * move is one a person would have then.
 */
export const sandboxClock = (sandbox: SandboxHandle) => ({ systemClockOffset: sandbox.runtime.now().getTime() - Date.now() });

export async function startWorld(options: Partial<SandboxOptions> = {}): Promise<TestWorld> {
  const sandbox = await startSandbox({ port: 0, delays: { createAccount: 100, rolePropagation: 100 }, ...options });
  const dir = mkdtempSync(join(tmpdir(), 'lz-test-'));
  const config = { region: 'us-east-1', endpoint: sandbox.endpoint, credentials: sandbox.managementCredentials, maxAttempts: 1 };
  // The CLI reads its endpoint and credentials from the environment, like the AWS CLI does.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sandbox.endpoint,
    AWS_ACCESS_KEY_ID: sandbox.managementCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.managementCredentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const organizations = new OrganizationsClient(config);
  const sts = new STSClient(config);
  // The world's own clients live through the whole test: their clocks move with the sandbox's.
  const advance = sandbox.advanceTime;
  sandbox.advanceTime = (ms) => {
    advance(ms);
    for (const c of [organizations, sts]) c.config.systemClockOffset += ms;
  };
  return {
    sandbox,
    dir,
    writeManifest: (yaml) => writeFileSync(join(dir, 'accounts.yaml'), yaml),
    lz: async (...args) => {
      const io = bufferIO({ cwd: dir, env: process.env });
      const code = await runCli(args, io);
      return { code, out: io.out(), err: io.err() };
    },
    organizations,
    memberIam: async (accountId, role = 'OrganizationAccountAccessRole') => {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${role}`, RoleSessionName: 'test' }));
      const c = out.Credentials!;
      return new IAMClient({ ...config, ...sandboxClock(sandbox), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
    },
    close: async () => {
      organizations.destroy();
      sts.destroy();
      await sandbox.close();
    },
  };
}
