import { AttachRolePolicyCommand, CreateOpenIDConnectProviderCommand, CreatePolicyCommand, CreateRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { parse } from 'yaml';

/**
 * Deploys `lz bootstrap`'s template into the sandbox the way CloudFormation would, through IAM's API: the
 * intrinsic functions the template uses (Ref, Fn::Sub, Fn::If, Fn::Equals, Fn::GetAtt) are resolved against
 * the parameters, and the resources are created in dependency order (provider, policies, roles). What the
 * sandbox then holds is what AWS would, so a test can run lz as the template's roles.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
interface Template {
  Parameters: Record<string, { Default?: string }>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, Json> }>;
}

export interface Deployed {
  /** Physical ids by logical id: a role's or policy's ARN, the provider's ARN. */
  arns: Record<string, string>;
  /** The managed policies' documents as deployed, by logical id. */
  policies: Record<string, { Statement: { Action: string[] }[] }>;
}

/** `without`: an action left out of every policy, as if the template had not granted it (the least-privilege test). */
export async function deployTemplate(iam: IAMClient, text: string, accountId: string, opts: { overrides?: Record<string, string>; without?: string } = {}): Promise<Deployed> {
  const overrides = opts.overrides ?? {};
  const t = parse(text) as Template;
  const params: Record<string, string> = { 'AWS::AccountId': accountId, 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1' };
  for (const [name, p] of Object.entries(t.Parameters)) params[name] = overrides[name] ?? p.Default ?? '';
  const arns: Record<string, string> = {};
  const conditions: Record<string, boolean> = {};

  const resolve = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(resolve);
    if (!v || typeof v !== 'object') return v;
    const [fn, arg] = Object.entries(v)[0] ?? [];
    if (fn === 'Ref') return params[arg as string] ?? arns[arg as string] ?? fail(`Ref ${String(arg)}`);
    if (fn === 'Fn::Sub') return (arg as string).replace(/\$\{([^}]+)\}/g, (_m, name: string) => params[name] ?? arns[name] ?? fail(`Fn::Sub \${${name}}`));
    if (fn === 'Fn::If') {
      const [cond, yes, no] = arg as [string, Json, Json];
      return resolve(conditions[cond] ? yes : no);
    }
    if (fn === 'Fn::Equals') {
      const [a, b] = (arg as Json[]).map(resolve);
      return a === b;
    }
    if (fn === 'Fn::GetAtt') return arns[(arg as string[])[0]!] ?? fail(`GetAtt ${String(arg)}`);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  };
  for (const [name, c] of Object.entries(t.Conditions)) conditions[name] = resolve(c) === true;

  const policies: Deployed['policies'] = {};
  const order = ['AWS::IAM::OIDCProvider', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role'];
  const resources = Object.entries(t.Resources).sort(([, a], [, b]) => order.indexOf(a.Type) - order.indexOf(b.Type));
  for (const [logical, r] of resources) {
    if (r.Condition && !conditions[r.Condition]) continue;
    const p = resolve(r.Properties) as Record<string, Json>;
    if (r.Type === 'AWS::IAM::OIDCProvider') {
      const out = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: p.Url as string, ClientIDList: p.ClientIdList as string[] }));
      arns[logical] = out.OpenIDConnectProviderArn!;
    } else if (r.Type === 'AWS::IAM::ManagedPolicy') {
      const doc = p.PolicyDocument as Deployed['policies'][string];
      doc.Statement = doc.Statement.map((st) => ({ ...st, Action: st.Action.filter((a) => a !== opts.without) })).filter((st) => st.Action.length > 0);
      policies[logical] = doc;
      const out = await iam.send(new CreatePolicyCommand({ PolicyName: `lz-bootstrap-${logical}`, PolicyDocument: JSON.stringify(p.PolicyDocument), Description: p.Description as string }));
      arns[logical] = out.Policy!.Arn!;
    } else if (r.Type === 'AWS::IAM::Role') {
      const out = await iam.send(new CreateRoleCommand({ RoleName: p.RoleName as string, AssumeRolePolicyDocument: JSON.stringify(p.AssumeRolePolicyDocument), MaxSessionDuration: p.MaxSessionDuration as number }));
      for (const arn of p.ManagedPolicyArns as string[]) await iam.send(new AttachRolePolicyCommand({ RoleName: p.RoleName as string, PolicyArn: arn }));
      arns[logical] = out.Role!.Arn!;
    } else fail(`resource type ${r.Type}`);
  }
  return { arns, policies };
}

function fail(what: string): never {
  throw new Error(`deployTemplate: cannot resolve ${what}`);
}
