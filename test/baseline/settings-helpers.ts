import { AccountClient, GetAlternateContactCommand, GetContactInformationCommand, type AlternateContactType } from '@aws-sdk/client-account';
import { GetAccountPasswordPolicyCommand, IAMClient, ListAccountAliasesCommand, type PasswordPolicy } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { heldAccounts } from '../helpers/organization.js';
import type { TestWorld } from '../helpers/sandbox.js';

/** What one account holds, read back through the SDK inside it (the assumed role; the management account's own keys). */
export interface HeldSettings {
  passwordPolicy?: PasswordPolicy;
  aliases: string[];
  contacts: Partial<Record<'BILLING' | 'OPERATIONS' | 'SECURITY', { Name?: string; Title?: string; EmailAddress?: string; PhoneNumber?: string }>>;
  contactInformation?: Record<string, unknown>;
}

export interface InAccount {
  id: string;
  iam: IAMClient;
  account: AccountClient;
}

export async function accountIds(w: TestWorld): Promise<Record<string, string>> {
  return Object.fromEntries((await heldAccounts(w.organizations)).map((a) => [a.name, a.id]));
}

export async function inAccount(w: TestWorld, accountId: string): Promise<InAccount> {
  const base = { region: 'us-east-1', endpoint: w.sandbox.endpoint, maxAttempts: 1 };
  if (accountId === w.sandbox.state.managementAccountId) {
    const credentials = w.sandbox.managementCredentials;
    return { id: accountId, iam: new IAMClient({ ...base, credentials }), account: new AccountClient({ ...base, credentials }) };
  }
  const sts = new STSClient({ ...base, credentials: w.sandbox.managementCredentials });
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'test' }));
  sts.destroy();
  const c = out.Credentials!;
  const credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
  return { id: accountId, iam: new IAMClient({ ...base, credentials }), account: new AccountClient({ ...base, credentials }) };
}

const absent = (err: unknown) => ['NoSuchEntityException', 'ResourceNotFoundException'].includes((err as Error).name);

export async function heldSettings(w: TestWorld, accountId: string): Promise<HeldSettings> {
  const c = await inAccount(w, accountId);
  try {
    const passwordPolicy = await c.iam.send(new GetAccountPasswordPolicyCommand({})).then(
      (r) => r.PasswordPolicy,
      (err: unknown) => {
        if (absent(err)) return undefined;
        throw err;
      },
    );
    const aliases = (await c.iam.send(new ListAccountAliasesCommand({}))).AccountAliases ?? [];
    const contacts: HeldSettings['contacts'] = {};
    for (const type of ['BILLING', 'OPERATIONS', 'SECURITY'] as const) {
      try {
        const r = await c.account.send(new GetAlternateContactCommand({ AlternateContactType: type as AlternateContactType }));
        const { Name, Title, EmailAddress, PhoneNumber } = r.AlternateContact!;
        contacts[type] = { Name, Title, EmailAddress, PhoneNumber };
      } catch (err) {
        if (!absent(err)) throw err;
      }
    }
    const contactInformation = await c.account.send(new GetContactInformationCommand({})).then(
      (r) => r.ContactInformation as Record<string, unknown> | undefined,
      (err: unknown) => {
        if (absent(err)) return undefined;
        throw err;
      },
    );
    return { passwordPolicy, aliases, contacts, ...(contactInformation ? { contactInformation } : {}) };
  } finally {
    c.iam.destroy();
    c.account.destroy();
  }
}

/** The indented lines under one address in the text plan (its fields), up to the next blank line. */
export function block(out: string, marker: string): string[] {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.trim() === marker);
  if (at < 0) return [];
  const end = lines.findIndex((l, i) => i > at && l.trim() === '');
  return lines.slice(at + 1, end < 0 ? undefined : end).map((l) => l.trim());
}
