import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

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

const READ = /^(Get|List|Describe|Head|View)|^(GenerateCredentialReport|AssumeRole|AssumeRoot|ValidatePolicy|LookupEvents)$/;
const isRead = (action: string) => READ.test(action.split(':')[1]!);

function policies(): Record<string, string[]> {
  const doc = readFileSync(join(ROOT, 'docs', 'permissions.md'), 'utf8');
  const out: Record<string, string[]> = {};
  for (const m of doc.matchAll(/```json lz:(\S+)\n([\s\S]*?)```/g)) {
    const policy = JSON.parse(m[2]!) as { Statement: { Effect: string; Action: string[] }[] };
    out[m[1]!] = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action);
  }
  return out;
}

const allows = (patterns: string[], action: string) =>
  patterns.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action));

describe('docs/permissions.md covers what lz calls', () => {
  const ops = operationsInSource();
  const p = policies();

  it('finds the operations and the four policies', () => {
    expect(ops.length).toBeGreaterThan(80);
    expect(Object.keys(p).sort()).toEqual(['management-apply', 'management-plan', 'member-apply', 'member-plan']);
  });

  it('the management principal can do everything lz calls; plan and drift with the read-only policy alone', () => {
    const missing: string[] = [];
    for (const { service, operation, file } of ops) {
      const action = actionFor(service, operation);
      // Root-credential deletion runs as the member's root user, limited by AWS's own task policy.
      if (!action || file.endsWith('root-credentials.ts')) continue;
      const policy = isRead(action) ? p['management-plan']! : [...p['management-plan']!, ...p['management-apply']!];
      if (!allows(policy, action)) missing.push(`${action} (${file})`);
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it('the read-only policy grants nothing that writes', () => {
    expect(p['management-plan']!.filter((a) => !isRead(a))).toEqual([]);
    expect(p['member-plan']!.filter((a) => !isRead(a))).toEqual([]);
  });

  it('a narrower member access role is enough for the baseline inside accounts', () => {
    const inAccounts = new Set(['iam', 'account', 'budgets', 's3-control', 'secrets-manager']);
    const missing: string[] = [];
    for (const { service, operation, file } of ops) {
      // Organization features, root sessions and an account's name and root email (AccountId) are management-account calls.
      if (!inAccounts.has(service) || /Organizations|AssumeRo/.test(operation) || file.endsWith('root-credentials.ts') || file.endsWith('account-identity.ts')) continue;
      const action = actionFor(service, operation)!;
      const policy = isRead(action) ? p['member-plan']! : [...p['member-plan']!, ...p['member-apply']!];
      if (!allows(policy, action)) missing.push(`${action} (${file})`);
    }
    expect([...new Set(missing)]).toEqual([]);
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
