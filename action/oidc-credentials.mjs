/**
 * AWS credentials without stored keys: asks GitHub's OIDC provider for a token for STS (audience
 * sts.amazonaws.com), writes it to a file only the runner's user can read, and exports AWS_ROLE_ARN and
 * AWS_WEB_IDENTITY_TOKEN_FILE. The AWS SDK's default chain in lz then calls AssumeRoleWithWebIdentity itself.
 */
import { join } from 'node:path';
import { exportEnv, fail, required } from './github.mjs';
import { requestToken, writeTokenFile } from './oidc.mjs';

const roleArn = required('LZ_ROLE_ARN', 'pass the role-arn input');
if (!/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn)) fail(`role-arn "${roleArn}" is not an IAM role ARN (arn:aws:iam::123456789012:role/lz-plan).`);
// The SDK's chain takes keys from the environment before a web identity: they would silently win.
if (process.env.AWS_ACCESS_KEY_ID) fail('AWS_ACCESS_KEY_ID is set in this job; remove it: the action assumes role-arn through GitHub OIDC, and keys in the environment would be used instead.');
const hint = "give the job `permissions: id-token: write` (GitHub sets it only then)";
const token = await requestToken(required('ACTIONS_ID_TOKEN_REQUEST_URL', hint), required('ACTIONS_ID_TOKEN_REQUEST_TOKEN', hint)).catch((e) => fail(e.message));

const file = join(required('RUNNER_TEMP'), 'lz-web-identity-token');
writeTokenFile(file, token);
exportEnv('AWS_WEB_IDENTITY_TOKEN_FILE', file);
exportEnv('AWS_ROLE_ARN', roleArn);
// Names the run in CloudTrail's record of every call lz makes.
exportEnv('AWS_ROLE_SESSION_NAME', `lz-${required('GITHUB_RUN_ID')}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`);
const region = process.env.LZ_AWS_REGION || 'us-east-1';
exportEnv('AWS_REGION', region);
exportEnv('AWS_DEFAULT_REGION', region);
process.stdout.write(`AWS credentials: ${roleArn} through GitHub OIDC (token in ${file}, 0600).\n`);
