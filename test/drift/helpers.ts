import { AccountClient } from '@aws-sdk/client-account';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { sandboxClock, type TestWorld } from '../helpers/sandbox.js';

/** Clients inside one account, as a person acting out of band would have them (the management account's own keys). */
export interface Inside {
  iam: IAMClient;
  account: AccountClient;
  budgets: BudgetsClient;
  destroy(): void;
}

export async function inside(w: TestWorld, accountId: string): Promise<Inside> {
  const base = { region: 'us-east-1', endpoint: w.sandbox.endpoint, maxAttempts: 1, ...sandboxClock(w.sandbox) };
  let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = w.sandbox.managementCredentials;
  if (accountId !== w.sandbox.state.managementAccountId) {
    const sts = new STSClient({ ...base, credentials: w.sandbox.managementCredentials });
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'out-of-band' }));
    sts.destroy();
    const c = out.Credentials!;
    credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  }
  const iam = new IAMClient({ ...base, credentials });
  const account = new AccountClient({ ...base, credentials });
  const budgets = new BudgetsClient({ ...base, credentials });
  return {
    iam,
    account,
    budgets,
    destroy: () => {
      iam.destroy();
      account.destroy();
      budgets.destroy();
    },
  };
}

/**
 * A minimal XML 1.0 well-formedness check (one root, tags nested and closed, quoted attributes, only the
 * five predefined entities or character references), returning the elements with their attributes.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`not well-formed XML at ${i}: ${msg}`);
  };
  const decode = (s: string) => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) fail(`bad entity in ${s}`);
    if (s.includes('<')) fail('< in text');
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  };
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (stack.length === 0 && text.trim() !== '') fail('text outside the root');
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(text);
    if (lt < 0) break;
    const gt = xml.indexOf('>', lt);
    if (gt < 0) fail('unclosed tag');
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1).trim()) fail(`</${tag.slice(1)}> closes ${open?.name}`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*$/.exec(body);
    if (!m) fail(`bad tag <${tag}>`);
    const attrs: Record<string, string> = {};
    for (const a of m![2]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (a[1]! in attrs) fail(`duplicate attribute ${a[1]}`);
      attrs[a[1]!] = decode(a[2]!);
    }
    const el: XmlElement = { name: m![1]!, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else if (root) fail('second root element');
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) fail('no root element');
  return root!;
}

export const all = (el: XmlElement, name: string): XmlElement[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
