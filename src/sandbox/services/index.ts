import type { SandboxService } from '../types.js';
import { account } from './account/index.js';
import { bcmDataExports } from './bcm-data-exports/index.js';
import { budgets } from './budgets/index.js';
import { cloudtrail } from './cloudtrail/index.js';
import { iamService } from './iam/index.js';
import { withRootSessionPolicy } from './iam/organizations-features.js';
import { organizations } from './organizations/index.js';
import { S3_ACTIONS, s3 } from './s3/index.js';
import { stsService } from './sts.js';

/**
 * Every service the sandbox serves, keyed by SigV4 signing name. Adding a service is one file under
 * services/ plus one line here.
 */
export const SERVICES: SandboxService[] = [iamService, stsService, organizations, budgets, account, s3, cloudtrail, bcmDataExports];

/** The IAM action of an operation when it is not `signingName:Operation` (root-task session policies). */
function actionOf(service: SandboxService): ((operation: string) => string) | undefined {
  if (service.signingName === 's3') return (op) => S3_ACTIONS[op] ?? `s3:${op}`;
  return undefined;
}

export function serviceRegistry(extra: SandboxService[] = []): Record<string, SandboxService> {
  const out: Record<string, SandboxService> = {};
  // AssumeRoot sessions may call only what their root-task policy allows, whatever the service.
  for (const s of [...SERVICES, ...extra]) out[s.signingName] = withRootSessionPolicy(s, actionOf(s));
  return out;
}
