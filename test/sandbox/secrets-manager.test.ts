import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SETTLING, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { FORCE_DELETE_PURGE_MS } from '../../src/sandbox/services/secrets-manager/index.js';
import { clientConfig, failure, iamClient, type Creds } from './clients.js';

let sb: SandboxHandle;
let sm: SecretsManagerClient;
const TOKEN = 'a'.repeat(32);
const OTHER_TOKEN = 'b'.repeat(32);

beforeAll(async () => {
  sb = await startSandbox({ port: 0, delays: { createAccount: 50, rolePropagation: 50, ...NO_SETTLING } });
  sm = new SecretsManagerClient(clientConfig(sb));
});
afterAll(async () => {
  sm.destroy();
  await sb.close();
});

const inRegion = (region: string, credentials?: Creds) => new SecretsManagerClient({ ...clientConfig(sb, credentials), region });

describe('Secrets Manager secrets', () => {
  it('are created with an ARN of six random characters after the name, tagged, and read back', async () => {
    const made = await sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: '{"password":"p1"}', ClientRequestToken: TOKEN, Tags: [{ Key: 'lz:managed', Value: 'x' }] }));
    expect(made.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:${sb.managementAccountId}:secret:app/db-[A-Za-z0-9]{6}$`));
    expect(made.VersionId).toBe(TOKEN);
    const value = await sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }));
    expect(value).toMatchObject({ ARN: made.ARN, Name: 'app/db', SecretString: '{"password":"p1"}', VersionId: TOKEN, VersionStages: ['AWSCURRENT'] });
    // By full ARN and by partial ARN (no suffix), as AWS finds it.
    expect((await sm.send(new GetSecretValueCommand({ SecretId: made.ARN }))).Name).toBe('app/db');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: made.ARN!.slice(0, -7) }))).ARN).toBe(made.ARN);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    expect(described.Tags).toEqual([{ Key: 'lz:managed', Value: 'x' }]);
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(described.DeletedDate).toBeUndefined();
    await sm.send(new TagResourceCommand({ SecretId: 'app/db', Tags: [{ Key: 'team', Value: 'data' }] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'app/db' }))).Tags).toEqual([
      { Key: 'lz:managed', Value: 'x' },
      { Key: 'team', Value: 'data' },
    ]);
  });

  it('live in one Region: another Region does not know the name', async () => {
    const other = inRegion('eu-west-1');
    const e = await failure(() => other.send(new GetSecretValueCommand({ SecretId: 'app/db' })));
    expect(e).toBeInstanceOf(ResourceNotFoundException);
    expect(e.message).toBe("Secrets Manager can't find the specified secret.");
    other.destroy();
  });

  it('CreateSecret is idempotent for the same token and value only', async () => {
    const again = await sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: '{"password":"p1"}', ClientRequestToken: TOKEN }));
    expect(again.VersionId).toBe(TOKEN);
    const other = await failure(() => sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: '{"password":"p2"}', ClientRequestToken: TOKEN })));
    expect(other).toBeInstanceOf(ResourceExistsException);
    const fresh = await failure(() => sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: '{"password":"p1"}', ClientRequestToken: OTHER_TOKEN })));
    expect(fresh).toBeInstanceOf(ResourceExistsException);
    expect(fresh.message).toBe('The operation failed because the secret app/db already exists.');
    expect(fresh.$metadata?.httpStatusCode).toBe(400);
  });

  it('PutSecretValue makes a new current version and keeps the last as AWSPREVIOUS', async () => {
    await sm.send(new PutSecretValueCommand({ SecretId: 'app/db', SecretString: '{"password":"p2"}', ClientRequestToken: OTHER_TOKEN }));
    const current = await sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }));
    expect(current).toMatchObject({ SecretString: '{"password":"p2"}', VersionId: OTHER_TOKEN });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('{"password":"p1"}');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'app/db' }))).VersionIdsToStages).toEqual({ [TOKEN]: ['AWSPREVIOUS'], [OTHER_TOKEN]: ['AWSCURRENT'] });
    const changed = await failure(() => sm.send(new PutSecretValueCommand({ SecretId: 'app/db', SecretString: 'other', ClientRequestToken: OTHER_TOKEN })));
    expect(changed).toBeInstanceOf(ResourceExistsException);
  });

  it('refuses bad input as AWS does', async () => {
    const name = await failure(() => sm.send(new CreateSecretCommand({ Name: 'bad name!', SecretString: 'x' })));
    expect(name).toBeInstanceOf(InvalidParameterException);
    const both = await failure(() => sm.send(new CreateSecretCommand({ Name: 'both', SecretString: 'x', SecretBinary: new Uint8Array([1]) })));
    expect(both).toBeInstanceOf(InvalidParameterException);
    const window = await failure(() => sm.send(new DeleteSecretCommand({ SecretId: 'app/db', RecoveryWindowInDays: 6 })));
    expect(window).toBeInstanceOf(InvalidParameterException);
    expect(window.message).toBe('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    const mixed = await failure(() => sm.send(new DeleteSecretCommand({ SecretId: 'app/db', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })));
    expect(mixed).toBeInstanceOf(InvalidParameterException);
    expect(await failure(() => sm.send(new DescribeSecretCommand({ SecretId: 'nope' })))).toBeInstanceOf(ResourceNotFoundException);
    expect(await failure(() => sm.send(new DeleteSecretCommand({ SecretId: 'nope' })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('DeleteSecret schedules the deletion: the value is refused and the name stays taken until the window ends', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'scheduled', SecretString: 'v' }));
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'scheduled', RecoveryWindowInDays: 7 }));
    const now = sb.runtime.now().getTime();
    expect(deleted.DeletionDate!.getTime() - now).toBeGreaterThan(6.9 * 86_400_000);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'scheduled' }))).DeletedDate).toBeInstanceOf(Date);
    const read = await failure(() => sm.send(new GetSecretValueCommand({ SecretId: 'scheduled' })));
    expect(read).toBeInstanceOf(InvalidRequestException);
    expect(read.message).toBe("You can't perform this operation on the secret because it was marked for deletion.");
    expect(await failure(() => sm.send(new TagResourceCommand({ SecretId: 'scheduled', Tags: [{ Key: 'a', Value: 'b' }] })))).toBeInstanceOf(InvalidRequestException);
    const taken = await failure(() => sm.send(new CreateSecretCommand({ Name: 'scheduled', SecretString: 'v2' })));
    expect(taken).toBeInstanceOf(InvalidRequestException);
    expect(await failure(() => sm.send(new DeleteSecretCommand({ SecretId: 'scheduled' })))).toBeInstanceOf(InvalidRequestException);
    sb.advanceTime(7 * 86_400_000 + 1000);
    // A client made now signs with the sandbox's clock, a week on.
    const later = new SecretsManagerClient(clientConfig(sb));
    expect(await failure(() => later.send(new DescribeSecretCommand({ SecretId: 'scheduled' })))).toBeInstanceOf(ResourceNotFoundException);
    await later.send(new CreateSecretCommand({ Name: 'scheduled', SecretString: 'v2' }));
    sm.destroy();
    sm = later;
  });

  it('ForceDeleteWithoutRecovery frees the name after a short background delay, and asks nothing of a secret that is not there', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'forced', SecretString: 'v' }));
    const gone = await sm.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }));
    expect(Math.abs(gone.DeletionDate!.getTime() - sb.runtime.now().getTime())).toBeLessThan(5000);
    expect(await failure(() => sm.send(new CreateSecretCommand({ Name: 'forced', SecretString: 'v' })))).toBeInstanceOf(InvalidRequestException);
    sb.advanceTime(FORCE_DELETE_PURGE_MS);
    expect(await failure(() => sm.send(new DescribeSecretCommand({ SecretId: 'forced' })))).toBeInstanceOf(ResourceNotFoundException);
    await sm.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }));
  });

  it('evaluates identity policies against the secret ARN', async () => {
    const iam = iamClient(sb);
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:CreateSecret'], Resource: `arn:aws:secretsmanager:us-east-1:${sb.managementAccountId}:secret:app/*` }] };
    await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'app-secrets', PolicyDocument: JSON.stringify(policy) }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    const reader = new SecretsManagerClient(clientConfig(sb, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }));
    expect((await reader.send(new GetSecretValueCommand({ SecretId: 'app/db' }))).SecretString).toBe('{"password":"p2"}');
    await reader.send(new CreateSecretCommand({ Name: 'app/new', SecretString: 'x' }));
    const denied = await failure(() => reader.send(new GetSecretValueCommand({ SecretId: 'scheduled' })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(/secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:\d{12}:secret:scheduled-[A-Za-z0-9]{6} because no identity-based policy allows/);
    expect((await failure(() => reader.send(new DescribeSecretCommand({ SecretId: 'app/db' })))).name).toBe('AccessDeniedException');
    reader.destroy();
    iam.destroy();
  });
});
