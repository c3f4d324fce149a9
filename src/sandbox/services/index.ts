import type { SandboxService } from '../types.js';
import { account } from './account.js';
import { budgets } from './budgets.js';
import { iamService } from './iam.js';
import { organizations } from './organizations.js';
import { stsService } from './sts.js';

/**
 * Every service the sandbox serves, keyed by SigV4 signing name. Adding a service is one file under
 * services/ plus one line here.
 */
export const SERVICES: SandboxService[] = [iamService, stsService, organizations, budgets, account];

export function serviceRegistry(extra: SandboxService[] = []): Record<string, SandboxService> {
  const out: Record<string, SandboxService> = {};
  for (const s of [...SERVICES, ...extra]) out[s.signingName] = s;
  return out;
}
