import type { RawRequest } from '../../types.js';
import { RestXmlResponse } from '../../protocols/restXml.js';
import type { AccountRecord } from '../../state.js';
import { AwsError } from '../../types.js';
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import { publicAccessBlockOf, xmlBody } from '../s3/index.js';

/**
 * S3 Control (restXml), the account-level S3 Block Public Access settings: Get/Put/DeletePublicAccessBlock
 * on `/v20180820/configuration/publicAccessBlock`, the account named by the `x-amz-account-id` header. The
 * setting is per account and global (not per Region). S3 Control signs as `s3`, like S3; AWS tells them
 * apart by host (`{AccountId}.s3-control.{Region}.amazonaws.com`), the sandbox by the `/v20180820/` path
 * prefix every S3 Control operation has. Only the caller's own account may be named: AWS answers any other
 * with AccessDenied (S3 Control has no cross-account access to this setting).
 */

const S3_CONTROL_XMLNS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
const PREFIX = '/v20180820/';
const PUBLIC_ACCESS_BLOCK_PATH = '/v20180820/configuration/publicAccessBlock';

function route(method: string, path: string): { operation: string; params: Record<string, string> } | undefined {
  if (path !== PUBLIC_ACCESS_BLOCK_PATH) return undefined;
  const operation = { GET: 'GetPublicAccessBlock', PUT: 'PutPublicAccessBlock', DELETE: 'DeletePublicAccessBlock' }[method];
  return operation ? { operation, params: {} } : undefined;
}

/** The account `x-amz-account-id` names, which must be the caller's. */
function namedAccount(ctx: OperationContext): AccountRecord {
  const accountId = ctx.headers['x-amz-account-id'];
  const account = ctx.state.accounts[ctx.caller.accountId];
  if (accountId !== ctx.caller.accountId || !account) throw new AwsError('AccessDenied', 'Access Denied', 403);
  return account;
}

const operations: Record<string, OperationHandler> = {
  GetPublicAccessBlock: (ctx) => {
    const config = namedAccount(ctx).s3PublicAccessBlock;
    if (!config) throw new AwsError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
    return new RestXmlResponse({ xml: { root: 'PublicAccessBlockConfiguration', value: config } });
  },
  PutPublicAccessBlock: (ctx, input) => {
    const account = namedAccount(ctx);
    account.s3PublicAccessBlock = publicAccessBlockOf(xmlBody(input, 'PublicAccessBlockConfiguration'));
    return new RestXmlResponse();
  },
  // Idempotent, as on AWS: deleting settings that are not there succeeds.
  DeletePublicAccessBlock: (ctx) => {
    delete namedAccount(ctx).s3PublicAccessBlock;
    return new RestXmlResponse();
  },
};

/** The IAM actions AWS authorizes these operations as (not `s3:<Operation>`). */
const ACTIONS: Record<string, string> = {
  GetPublicAccessBlock: 's3:GetAccountPublicAccessBlock',
  PutPublicAccessBlock: 's3:PutAccountPublicAccessBlock',
  DeletePublicAccessBlock: 's3:PutAccountPublicAccessBlock',
};

export const s3Control: SandboxService = {
  signingName: 's3',
  protocol: 'restXml',
  xmlNamespace: S3_CONTROL_XMLNS,
  wrapsXmlErrors: true,
  claims: (req: RawRequest) => req.path.startsWith(PREFIX),
  route: (method, path) => route(method, path),
  actionOf: (operation) => ACTIONS[operation] ?? `s3:${operation}`,
  operations,
};
