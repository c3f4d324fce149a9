import type { ServiceRegistry } from '../dispatch.js';
import type { SandboxService } from '../types.js';
import { accessAnalyzer } from './access-analyzer/index.js';
import { account } from './account/index.js';
import { bcmDataExports } from './bcm-data-exports/index.js';
import { budgets } from './budgets/index.js';
import { cloudtrail } from './cloudtrail/index.js';
import { iamService } from './iam/index.js';
import { identityStore } from './identity-center/identitystore.js';
import { withIdentityCenterRoles } from './identity-center/iam-guard.js';
import { ssoAdmin } from './identity-center/sso-admin.js';
import { withRootSessionPolicy } from './iam/organizations-features.js';
import { organizations } from './organizations/index.js';
import { s3 } from './s3/index.js';
import { s3Control } from './s3-control/index.js';
import { secretsManager } from './secrets-manager/index.js';
import { stsService } from './sts/index.js';

/**
 * Every service the sandbox serves. Adding a service is a folder under services/ plus one line here; how a
 * request reaches it is src/sandbox/dispatch.ts.
 */
export const SERVICES: SandboxService[] = [
  // IAM holds the reserved roles Identity Center provisions: it settles due requests first and protects them.
  withIdentityCenterRoles(iamService),
  stsService,
  organizations,
  budgets,
  account,
  s3,
  s3Control,
  cloudtrail,
  bcmDataExports,
  accessAnalyzer,
  ssoAdmin,
  identityStore,
  secretsManager,
];

/** Extra services come first for their signing name, so one under development overrides a built-in. */
export function serviceRegistry(extra: SandboxService[] = []): ServiceRegistry {
  const out: ServiceRegistry = {};
  // AssumeRoot sessions may call only what their root-task policy allows, whatever the service.
  for (const s of [...extra, ...SERVICES]) (out[s.signingName] ??= []).push(withRootSessionPolicy(s));
  return out;
}
