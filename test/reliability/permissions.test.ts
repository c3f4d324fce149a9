import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';
import { main } from '../../src/cli/write-permissions.js';
import { declaredGrants } from '../../src/engine/permissions.js';
import { defaultRegistry } from '../../src/resources/registry.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every `.ts` file of lz itself (the sandbox is an emulator, not lz). */
function sources(dir = join(ROOT, 'src')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return relative(ROOT, path) === 'src/sandbox' ? [] : sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The AWS operations lz's source can call: `new XCommand(` and `paginateX(` with X imported from an SDK client. */
function operationsInSource(): { service: string; operation: string; file: string }[] {
  const found: { service: string; operation: string; file: string }[] = [];
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    const packageOf = new Map<string, string>();
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
      for (const name of m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!)) packageOf.set(name, m[2]!);
    }
    for (const m of text.matchAll(/\bnew\s+([A-Z]\w*)Command\(|\bpaginate([A-Z]\w*)\(/g)) {
      const operation = m[1] ?? m[2]!;
      const service = packageOf.get(m[1] ? `${operation}Command` : `paginate${operation}`);
      if (service) found.push({ service, operation, file: relative(ROOT, file) });
    }
  }
  return found;
}

/** The IAM action that authorises an API operation (most are `service:Operation`). */
function actionFor(service: string, operation: string): string | undefined {
  if (service === 'sts' && operation === 'GetCallerIdentity') return undefined;
  if (service === 'accessanalyzer') return `access-analyzer:${operation}`;
  // IAM Identity Center's admin API is authorised by `sso:` actions (identitystore's by `identitystore:`).
  if (service === 'sso-admin') return `sso:${operation}`;
  if (service === 'secrets-manager') return `secretsmanager:${operation}`;
  if (service === 'budgets') return operation.startsWith('Describe') ? 'budgets:ViewBudget' : 'budgets:ModifyBudget';
  // S3 Control's account-level operations are authorised by s3 actions named for the account.
  if (service === 's3-control') return `s3:${operation.replace('PublicAccessBlock', 'AccountPublicAccessBlock')}`;
  if (service === 's3') {
    const renamed: Record<string, string> = {
      GetPublicAccessBlock: 'GetBucketPublicAccessBlock',
      PutPublicAccessBlock: 'PutBucketPublicAccessBlock',
      GetBucketEncryption: 'GetEncryptionConfiguration',
      PutBucketEncryption: 'PutEncryptionConfiguration',
      HeadBucket: 'ListBucket',
      HeadObject: 'GetObject',
      ListObjectsV2: 'ListBucket',
      ListBuckets: 'ListAllMyBuckets',
    };
    return `s3:${renamed[operation] ?? operation}`;
  }
  return `${service}:${operation}`;
}

/** Whether an action changes nothing (plan's reads); the rest must be declared as writes. */
const READ = /^(Get|List|Describe|Head|View)|^(GenerateCredentialReport|AssumeRole|AssumeRoot|ValidatePolicy|LookupEvents)$/;
const isRead = (action: string) => READ.test(action.split(':')[1]!);

const grants = declaredGrants(defaultRegistry);
const declared = (where: 'management' | 'account' | 'any', access: 'read' | 'write' | 'any') =>
  new Set(grants.filter((d) => (where === 'any' || d.where === where) && (access === 'any' || d.grant.access === access)).flatMap((d) => d.grant.actions));

describe("what lz calls is what its kinds declare", () => {
  const ops = operationsInSource();

  it('finds the operations', () => {
    expect(ops.length).toBeGreaterThan(80);
  });

  it('every operation the source calls is declared; what writes, as a write', () => {
    const missing: string[] = [];
    for (const { service, operation, file } of ops) {
      const action = actionFor(service, operation);
      // Root-credential sessions are bound by AWS's task policy, which lz does not write (its sts:AssumeRoot is declared).
      if (!action || file.endsWith('root-credentials.ts')) continue;
      if (!declared('any', isRead(action) ? 'any' : 'write').has(action)) missing.push(`${action} (${file})`);
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it('declares nothing the source never calls (except what AWS calls on its behalf, said why)', () => {
    const called = new Set(ops.map((o) => actionFor(o.service, o.operation)));
    const unused = grants.filter((d) => !d.grant.madeByAws).flatMap((d) => d.grant.actions.filter((a) => !called.has(a)).map((a) => `${a} (${d.source})`));
    expect([...new Set(unused)]).toEqual([]);
  });

  it('the read-only grants hold nothing that writes', () => {
    expect([...declared('any', 'read')].filter((a) => !isRead(a))).toEqual([]);
  });

  it('what the baseline calls inside accounts is declared for the access role', () => {
    const inAccounts = new Set(['iam', 'account', 'budgets', 's3-control', 'secrets-manager']);
    const member = declared('account', 'any');
    const missing: string[] = [];
    for (const { service, operation, file } of ops) {
      // Organization features, root sessions and an account's name and root email (AccountId) are management-account calls.
      if (!inAccounts.has(service) || /Organizations|AssumeRo/.test(operation) || file.endsWith('root-credentials.ts') || file.endsWith('account-identity.ts')) continue;
      const action = actionFor(service, operation)!;
      if (!member.has(action)) missing.push(`${action} (${file})`);
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it("docs/permissions.md's policies are what the declarations generate (npm run permissions)", async () => {
    const err: string[] = [];
    expect(await main(['--check'], { write: () => undefined }, { write: (t: string) => err.push(t) })).toBe(0);
    expect(err).toEqual([]);
  });
});

describe('lz plan works with read-only permissions', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(readFileSync(join(ROOT, 'accounts.yaml'), 'utf8'));
  });
  afterAll(async () => w.close());

  it('plans (and drifts) an organization when every principal may only read', async () => {
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const accounts = Object.keys(w.sandbox.state.accounts);
    const admin = `arn:aws:iam::${w.sandbox.managementAccountId}:user/lz-sandbox-admin`;
    w.sandbox.setReadOnlyPrincipals([admin, ...accounts]);
    w.sandbox.clearRequests();
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.err).not.toContain('AccessDenied');
    expect(plan.code).toBe(0);
    expect(w.sandbox.requests().filter((r) => r.status === 403)).toEqual([]);
    expect(w.sandbox.requests().length).toBeGreaterThan(20);
    // And the enforcement is real: an apply that has something to write is refused.
    w.writeManifest(readFileSync(join(ROOT, 'accounts.yaml'), 'utf8').replace('minimumLength: 14', 'minimumLength: 16'));
    const apply = await w.lz('apply', '--auto-approve');
    expect(apply.code).toBe(1);
    expect(w.sandbox.requests().some((r) => r.status === 403 && !r.readOnly)).toBe(true);
  });
});
