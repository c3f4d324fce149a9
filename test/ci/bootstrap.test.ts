import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { bufferIO } from '../../src/cli/io.js';
import { MANAGED_POLICY_CHARACTERS, generatePolicy } from '../../src/engine/permissions.js';
import { defaultRegistry } from '../../src/resources/registry.js';

/**
 * `lz bootstrap`'s template, validated as CloudFormation against AWS's resource specification (AWS CDK's
 * maintained database of every CloudFormation resource type, its properties and attributes): every type
 * exists, every property is one the type has, required ones are there, every Ref, Fn::Sub variable,
 * Fn::GetAtt and condition names something the template or CloudFormation defines; and IAM's own limits hold.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
interface Template {
  AWSTemplateFormatVersion: string;
  Parameters: Record<string, { Type: string; Default?: string; AllowedValues?: string[]; AllowedPattern?: string }>;
  Conditions?: Record<string, Json>;
  Rules?: Record<string, Json>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, Json> }>;
  Outputs?: Record<string, { Value: Json }>;
}

const PSEUDO = new Set(['AWS::AccountId', 'AWS::Partition', 'AWS::Region', 'AWS::StackName', 'AWS::StackId', 'AWS::URLSuffix', 'AWS::NoValue']);
const INTRINSICS = new Set(['Ref', 'Fn::Sub', 'Fn::If', 'Fn::Equals', 'Fn::GetAtt', 'Fn::Join', 'Fn::Not', 'Fn::And', 'Fn::Or']);

type Spec = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

/** What is wrong with a template by the specification: unknown types or properties, missing required ones, references to nothing. */
function validate(db: Spec, t: Template): string[] {
  const problems: string[] = [];
  const names = new Set([...Object.keys(t.Parameters ?? {}), ...Object.keys(t.Resources)]);
  const conditions = t.Conditions ?? {};
  const attributes = new Map<string, Set<string>>();
  for (const [logical, r] of Object.entries(t.Resources)) {
    const spec = db.lookup('resource', 'cloudFormationType', 'equals', r.Type);
    if (spec.length !== 1) {
      problems.push(`${logical}: no resource type ${r.Type}`);
      continue;
    }
    const { properties, attributes: attrs } = spec.only();
    attributes.set(logical, new Set(Object.keys(attrs)));
    for (const p of Object.keys(r.Properties)) if (!(p in properties)) problems.push(`${logical}: ${r.Type} has no property ${p}`);
    for (const [p, def] of Object.entries(properties)) if (def.required && !(p in r.Properties)) problems.push(`${logical}: required property ${p} missing`);
    if (r.Condition && !(r.Condition in conditions)) problems.push(`${logical}: unknown condition ${r.Condition}`);
  }
  const walk = (v: Json, where: string): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${where}[${i}]`));
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k.startsWith('Fn::') || k === 'Ref') {
        if (!INTRINSICS.has(k)) problems.push(`${where}: ${k} is not an intrinsic function this template may use`);
        if (k === 'Ref' && !names.has(x as string) && !PSEUDO.has(x as string)) problems.push(`${where}: Ref ${String(x)} names nothing`);
        if (k === 'Fn::Sub') {
          for (const m of (x as string).matchAll(/\$\{([^}!]+)\}/g)) if (!names.has(m[1]!) && !PSEUDO.has(m[1]!)) problems.push(`${where}: Fn::Sub \${${m[1]}} names nothing`);
        }
        if (k === 'Fn::GetAtt') {
          const [res, attr] = x as [string, string];
          if (!attributes.get(res)?.has(attr)) problems.push(`${where}: ${res} has no attribute ${attr}`);
        }
        if (k === 'Fn::If' && !(((x as Json[])[0] as string) in conditions)) problems.push(`${where}: Fn::If on unknown condition`);
      }
      walk(x, `${where}.${k}`);
    }
  };
  walk(t.Resources as unknown as Json, 'Resources');
  walk((t.Outputs ?? {}) as unknown as Json, 'Outputs');
  walk(conditions, 'Conditions');
  walk((t.Rules ?? {}) as unknown as Json, 'Rules');
  for (const [name, p] of Object.entries(t.Parameters ?? {})) {
    if (p.AllowedValues && p.Default !== undefined && !p.AllowedValues.includes(p.Default)) problems.push(`${name}: default not allowed`);
    if (p.AllowedPattern && p.Default !== undefined && !new RegExp(`^(?:${p.AllowedPattern})$`).test(p.Default)) problems.push(`${name}: default does not match its pattern`);
  }
  return problems;
}

async function bootstrap(file: string, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'lz-bootstrap-'));
  writeFileSync(join(dir, 'accounts.yaml'), file);
  const io = bufferIO({ cwd: dir, env: {} });
  const code = await runCli(['bootstrap', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

const FILE = `organization:
  management: General
  accessRole: LzAccess
  readRole: LzRead
  lock: { bucket: acme-lz-locks }
accounts:
  - { name: General, email: aws+general@example.com }
`;

describe('lz bootstrap', () => {
  let text: string;
  let t: Template;
  beforeAll(async () => {
    const r = await bootstrap(FILE, '--repository', 'acme/infra', '--branch', 'release');
    expect(r.code, r.err).toBe(0);
    text = r.out;
    t = parse(text) as Template;
  });

  it('is valid CloudFormation by the resource specification, and so is the member stack its StackSet deploys', async () => {
    const db = await loadAwsServiceSpec();
    expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(text).toContain('AWSTemplateFormatVersion: "2010-09-09"');
    expect(validate(db, t)).toEqual([]);
    const member = JSON.parse(t.Resources.MemberReadRole!.Properties.TemplateBody as string) as Template;
    expect(validate(db, member)).toEqual([]);
    // The StackSet passes exactly the member stack's parameters.
    const passed = (t.Resources.MemberReadRole!.Properties.Parameters as { ParameterKey: string }[]).map((p) => p.ParameterKey).sort();
    expect(passed).toEqual(Object.keys(member.Parameters).sort());
  }, 60_000);

  it('holds exactly the generated policies, each within IAM\'s size limit and a role\'s ten managed policies', () => {
    const values = { accessRole: '${AccessRoleName}', readRole: '${ReadRoleName}', lockBucket: '${LockBucket}' };
    const docs = (prefix: string) =>
      Object.entries(t.Resources)
        .filter(([name, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && name.startsWith(prefix))
        .map(([, r]) => r.Properties.PolicyDocument as { Statement: { Action: string[]; Resource: Json }[] });
    const actions = (prefix: string) => docs(prefix).flatMap((d) => d.Statement.flatMap((s) => s.Action));
    const expected = (name: 'management-plan' | 'management-apply') => generatePolicy(defaultRegistry, name, values).Statement.flatMap((s) => s.Action);
    expect(actions('Plan')).toEqual(expected('management-plan'));
    expect(actions('Apply')).toEqual(expected('management-apply'));
    for (const d of [...docs('Plan'), ...docs('Apply')]) expect(JSON.stringify(d).length).toBeLessThanOrEqual(MANAGED_POLICY_CHARACTERS);
    const applyRole = t.Resources.ApplyRole!.Properties;
    expect((applyRole.ManagedPolicyArns as Json[]).length).toBeLessThanOrEqual(10);
    // The file's access role and lock bucket are the parameters' defaults, and the policies use them.
    expect(t.Parameters.AccessRoleName!.Default).toBe('LzAccess');
    expect(t.Parameters.LockBucket!.Default).toBe('acme-lz-locks');
    expect(t.Parameters.ReadRoleName!.Default).toBe('LzRead');
    // The plan role reaches member accounts only through the read role; only the apply role through the access role.
    expect(JSON.stringify(docs('Plan'))).toContain('{"Fn::Sub":"arn:aws:iam::*:role/${ReadRoleName}"}');
    expect(JSON.stringify(docs('Plan'))).not.toContain('${AccessRoleName}');
    expect(JSON.stringify(docs('Apply'))).toContain('{"Fn::Sub":"arn:aws:iam::*:role/${AccessRoleName}"}');
    expect(JSON.stringify(docs('Apply'))).toContain('{"Fn::Sub":"arn:aws:s3:::${LockBucket}/lz/*"}');
  });

  it('trusts only the repository, and for apply only its branch, through GitHub\'s OIDC provider', () => {
    const trust = (role: string) => (t.Resources[role]!.Properties.AssumeRolePolicyDocument as { Statement: Record<string, Json>[] }).Statement;
    for (const role of ['PlanRole', 'ApplyRole']) {
      const [s] = trust(role);
      expect(s!.Action).toBe('sts:AssumeRoleWithWebIdentity');
      expect(s!.Condition).toMatchObject({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } });
    }
    expect(trust('PlanRole')[0]!.Condition).toMatchObject({ StringLike: { 'token.actions.githubusercontent.com:sub': { 'Fn::Sub': 'repo:${GitHubRepository}:*' } } });
    expect(trust('ApplyRole')[0]!.Condition).toMatchObject({
      StringEquals: {
        'token.actions.githubusercontent.com:sub': {
          'Fn::If': ['ApplyInEnvironment', { 'Fn::Sub': 'repo:${GitHubRepository}:environment:${ApplyEnvironment}' }, { 'Fn::Sub': 'repo:${GitHubRepository}:ref:refs/heads/${ApplyBranch}' }],
        },
      },
    });
    expect(t.Parameters.ApplyEnvironment!.Default).toBe('');
    expect(t.Parameters.ApplyBranch!.Default).toBe('release');
    expect(t.Parameters.GitHubRepository!.Default).toBe('acme/infra');
  });

  it('uses an existing OIDC provider, and an apply environment, when told to', async () => {
    const r = await bootstrap(FILE, '--repository', 'acme/infra', '--oidc-provider', 'existing', '--environment', 'aws-management');
    const params = (parse(r.out) as Template).Parameters;
    expect(params.CreateOidcProvider!.Default).toBe('false');
    expect(params.ApplyEnvironment!.Default).toBe('aws-management');
  });

  it('refuses what it cannot make a working template of, with no output', async () => {
    const badRepo = await bootstrap(FILE, '--repository', 'not a repo');
    expect(badRepo.code).toBe(1);
    expect(badRepo.err).toContain('--repository must be OWNER/REPO');
    for (const args of [['--plan-role', 'lz plan'], ['--apply-role', 'x'.repeat(65)], ['--branch', 'release/*'], ['--environment', '${AWS::AccountId}']]) {
      const bad = await bootstrap(FILE, '--repository', 'acme/infra', ...args);
      expect(bad.code, args.join(' ')).toBe(1);
      expect(bad.err).toContain(`${args[0]} must`);
      expect(bad.out).toBe('');
    }
    const noLock = await bootstrap(FILE.replace('  lock: { bucket: acme-lz-locks }\n', ''), '--repository', 'acme/infra');
    expect(noLock.code).toBe(1);
    expect(noLock.err).toContain('organization.lock.bucket');
    expect(noLock.out).toBe('');
  });
});
