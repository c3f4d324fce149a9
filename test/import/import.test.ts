import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutAlternateContactCommand } from '@aws-sdk/client-account';
import { CreateBudgetCommand } from '@aws-sdk/client-budgets';
import { CreateAccountAliasCommand, UpdateAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  ListRootsCommand,
  MoveAccountCommand,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/index.js';
import { withItems } from '../helpers/items.js';
import { defaultSections } from '../../src/resources/registry.js';
import { inside } from '../drift/helpers.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';
import { NO_SETTLING } from '../../src/sandbox/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lz import', () => {
  let w: TestWorld;
  const ids: Record<string, string> = {};

  /** An organization built by hand through the SDK, the way one exists before anyone has heard of lz. */
  beforeAll(async () => {
    // Built by plain SDK calls that do not wait through AWS's settling windows: those are off here.
    w = await startWorld({ management: { name: 'Acme Root', email: 'root@acme.example' }, delays: { createAccount: 100, rolePropagation: 100, ...NO_SETTLING } });
    const org = w.organizations;
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ou = async (parent: string, name: string) => (await org.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }))).OrganizationalUnit!.Id!;
    const workloads = await ou(rootId, 'Workloads');
    const prod = await ou(workloads, 'Prod');
    await ou(workloads, 'Dev');
    await ou(rootId, 'Sandbox');
    const create = async (name: string, email: string) => {
      let status = (await org.send(new CreateAccountCommand({ AccountName: name, Email: email }))).CreateAccountStatus!;
      while (status.State === 'IN_PROGRESS') {
        await sleep(50);
        status = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id! }))).CreateAccountStatus!;
      }
      expect(status.State).toBe('SUCCEEDED');
      return status.AccountId!;
    };
    ids.Shop = await create('Shop Production', 'shop-prod@acme.example');
    ids.Data = await create('Data', 'data@acme.example');
    ids.management = w.sandbox.state.managementAccountId;
    await org.send(new MoveAccountCommand({ AccountId: ids.Shop, SourceParentId: rootId, DestinationParentId: prod }));
    await org.send(new TagResourceCommand({ ResourceId: ids.Shop, Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'owner', Value: 'shop team' }] }));
    await sleep(300); // the new accounts' roles become assumable

    const shop = await inside(w, ids.Shop);
    await shop.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 16, RequireSymbols: true, RequireNumbers: true, PasswordReusePrevention: 12, MaxPasswordAge: 90, AllowUsersToChangePassword: true }));
    await shop.iam.send(new CreateAccountAliasCommand({ AccountAlias: 'acme-shop-prod' }));
    await shop.account.send(new PutAlternateContactCommand({ AlternateContactType: 'SECURITY', Name: 'Shop Security', Title: 'Lead', EmailAddress: 'sec@acme.example', PhoneNumber: '+1 555 0199' }));
    await shop.budgets.send(
      new CreateBudgetCommand({
        AccountId: ids.Shop,
        Budget: { BudgetName: 'shop-monthly', BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '500', Unit: 'USD' } },
        NotificationsWithSubscribers: [
          { Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' }, Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'finops@acme.example' }] },
        ],
      }),
    );
    shop.destroy();
  }, 60_000);
  afterAll(async () => w.close());

  it('writes a manifest that plans no change, reading only', async () => {
    // lz's own bookkeeping on an account (a root email change under way) is not the file's to declare.
    await w.organizations.send(new TagResourceCommand({ ResourceId: ids.Data!, Tags: [{ Key: 'lz:pending-email', Value: 'data-new@acme.example' }, { Key: 'lz:pending-email-since', Value: new Date().toISOString() }] }));
    w.sandbox.clearRequests();
    const r = await w.lz('import', '--out', 'accounts.yaml');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('Wrote 3 accounts and 4 units to accounts.yaml.');
    expect(w.sandbox.requests().filter((q) => !q.readOnly)).toEqual([]);

    const text = readFileSync(join(w.dir, 'accounts.yaml'), 'utf8');
    const m = parseManifest(text, 'accounts.yaml', defaultSections);
    expect(m.management).toMatchObject({ name: 'Acme Root', email: 'root@acme.example' });
    expect(m.manifest.organization.units).toEqual(['Sandbox', 'Workloads/Dev', 'Workloads/Prod']);
    const shop = withItems(m.accounts.find((a) => a.name === 'Shop Production')!);
    expect(shop).toMatchObject({ email: 'shop-prod@acme.example', unit: 'Workloads/Prod', alias: 'acme-shop-prod', tags: { env: 'prod', owner: 'shop team' } });
    expect(shop.passwordPolicy).toMatchObject({ minimumLength: 16, reusePrevention: 12, maxPasswordAge: 90, requireSymbols: true, requireUppercase: false });
    expect(shop.contacts.security).toEqual({ name: 'Shop Security', title: 'Lead', email: 'sec@acme.example', phone: '+1 555 0199' });
    expect(shop.budgets).toEqual([
      { name: 'shop-monthly', amount: 500, currency: 'USD', period: 'MONTHLY', alerts: [{ at: 80, type: 'ACTUAL', thresholdType: 'PERCENTAGE', comparison: 'GREATER_THAN', notify: ['finops@acme.example'] }] },
    ]);
    // Every account is pinned by its id, so that a later rename and email change in one edit stay one account.
    expect(Object.fromEntries(m.accounts.map((a) => [a.email, a.id]))).toEqual(Object.fromEntries(Object.values(ids).map((id) => [w.sandbox.state.accounts[id]!.email, id])));
    expect(m.accounts.find((a) => a.name === 'Data')!.tags).toEqual({});
    const data = withItems(m.accounts.find((a) => a.name === 'Data')!);
    expect(data.unit).toBeUndefined();
    expect(data.passwordPolicy).toBeUndefined();
    expect(data.alias).toBeUndefined();

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.err).toBe('');
    expect(plan.out).toContain('No changes. Your organization matches accounts.yaml.');
    // Nothing the organization holds was left out of the file (it would show as unmanaged).
    expect(plan.out).not.toMatch(/^\s*\? /m);
    expect(plan.code).toBe(0);
  });

  it('writes to stdout by default, and factors what every account shares into defaults', async () => {
    // Every account gets the same password policy: it moves to defaults.
    for (const id of [ids.management!, ids.Data!]) {
      const c = await inside(w, id);
      await c.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 16, RequireSymbols: true, RequireNumbers: true, PasswordReusePrevention: 12, MaxPasswordAge: 90, AllowUsersToChangePassword: true }));
      c.destroy();
    }
    const r = await w.lz('import');
    expect(r.code, r.err).toBe(0);
    const doc = parseManifest(r.out, 'stdout', defaultSections);
    expect(doc.manifest.defaults.passwordPolicy).toMatchObject({ minimumLength: 16, reusePrevention: 12 });
    expect(r.out.match(/minimumLength/g)).toHaveLength(1);
    expect(doc.accounts.map((a) => a.email).sort()).toEqual(Object.values(ids).map((id) => w.sandbox.state.accounts[id]!.email).sort());
    expect(doc.accounts.every((a) => withItems(a).passwordPolicy?.minimumLength === 16)).toBe(true);
    writeFileSync(join(w.dir, 'accounts.yaml'), r.out);
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.out).toContain('No changes.');
    expect(plan.code).toBe(0);
  });

  it('says what the file cannot express instead of losing it', async () => {
    const data = await inside(w, ids.Data!);
    // No reuse prevention: the manifest allows 1-24, so this cannot be written as it is.
    await data.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 16 }));
    data.destroy();
    const r = await w.lz('import');
    expect(r.code).toBe(0);
    expect(r.err).toContain('warning: Data.password-policy: accounts.yaml cannot express what AWS holds (');
    expect(r.err).toContain('reusePrevention');
  });

  it('refuses to overwrite a file unless --force', async () => {
    const before = readFileSync(join(w.dir, 'accounts.yaml'), 'utf8');
    const r = await w.lz('import', '--out', 'accounts.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('accounts.yaml exists; lz import does not overwrite it');
    expect(readFileSync(join(w.dir, 'accounts.yaml'), 'utf8')).toBe(before);
    const forced = await w.lz('import', '--out', 'accounts.yaml', '--force');
    expect(forced.code).toBe(0);
    const written = readFileSync(join(w.dir, 'accounts.yaml'), 'utf8');
    expect(written).not.toBe(before);
    expect(written).toBe((await w.lz('import')).out);
  });
});
