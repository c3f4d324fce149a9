import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListAWSServiceAccessForOrganizationCommand, TagResourceCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldAccounts, type HeldAccount } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const manifest = (accounts: string) => `
organization:
  management: General
  units: [Workloads]
accounts:
  - { name: General, email: aws+general@example.com }
${accounts}`;

const DEV = '  - { name: Dev, email: aws+dev@example.com, unit: Workloads }';
const PROD = '  - { name: Prod, email: aws+prod@example.com, unit: Workloads, tags: { env: prod } }';

describe('renaming accounts and changing their root email', () => {
  let w: TestWorld;
  const held = async (id: string): Promise<HeldAccount> => (await heldAccounts(w.organizations)).find((a) => a.id === id)!;
  const trustedAccess = async () => ((await w.organizations.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals ?? []).map((p) => p.ServicePrincipal);
  let devId: string;
  let prodId: string;

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest(`${DEV}\n${PROD}`));
    const r = await w.lz('apply', '--auto-approve');
    expect(r.err + r.out).toContain('Apply complete!');
    const accounts = await heldAccounts(w.organizations);
    devId = accounts.find((a) => a.name === 'Dev')!.id;
    prodId = accounts.find((a) => a.name === 'Prod')!.id;
  });
  afterAll(async () => w.close());

  it('enables no trusted access for account.amazonaws.com while nothing needs it', async () => {
    expect(await trustedAccess()).not.toContain('account.amazonaws.com');
    const { code, out } = await w.lz('plan', '--detailed-exitcode');
    expect(out).toContain('No changes.');
    expect(code).toBe(0);
  });

  it('renames an account with PutAccountName, after enabling trusted access, with no manual step', async () => {
    w.writeManifest(manifest(`${DEV.replace('name: Dev', 'name: Development')}\n${PROD}`));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('+ service-access:account.amazonaws.com');
    expect(plan.out).toContain('~ account:Development.name');
    expect(plan.out).not.toContain('+ account:Development');
    expect(plan.out).not.toContain('differs from the file');
    expect(plan.out).toContain('Plan: 1 to add, 1 to change, 0 to destroy.');

    w.sandbox.clearRequests();
    const r = await w.lz('apply', '--auto-approve');
    expect(r.err + r.out).toContain('Apply complete!');
    expect(r.code).toBe(0);
    expect((await held(devId)).name).toBe('Development');
    expect(await trustedAccess()).toContain('account.amazonaws.com');
    const ops = w.sandbox.requests().map((q) => q.operation);
    expect(ops.indexOf('EnableAWSServiceAccess')).toBeGreaterThanOrEqual(0);
    expect(ops.indexOf('EnableAWSServiceAccess')).toBeLessThan(ops.indexOf('PutAccountName'));

    const again = await w.lz('plan', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });

  it('leaves a name with < or > (which PutAccountName refuses) to a person', async () => {
    w.writeManifest(manifest(`${DEV.replace('name: Dev', 'name: "Dev <old>"')}\n${PROD}`));
    const { code, out } = await w.lz('plan', '--manual');
    expect(code).toBe(0);
    expect(out.replace(/\n +/g, ' ')).toContain('[ ] account:Dev <old>.name');
    expect(out.replace(/\n +/g, ' ')).toContain('which CreateAccount accepts and PutAccountName refuses');
  });

  it('plans no rename or email change for an account the file closes', async () => {
    const closing = `  - { name: Dev closed, email: aws+dev-closed@example.com, id: "${devId}", closed: true }`;
    w.writeManifest(manifest(`${closing}\n${PROD}`));
    const { code, out, err } = await w.lz('plan', '--json');
    expect(code, err).toBe(0);
    const changes = (JSON.parse(out) as { changes: { address: string; action: string }[] }).changes;
    expect(changes.filter((c) => ['account:Dev closed.name', 'account:Dev closed.email'].includes(c.address) || c.address.startsWith('service-access:'))).toEqual([]);
    // Still the one account (its id), whatever closing it plans.
    expect(changes.filter((c) => c.action === 'create' && c.address.startsWith('account:'))).toEqual([]);
  });

  it('refuses an id no live account has, naming the account and the id, instead of creating it', async () => {
    w.writeManifest(manifest(`${DEV.replace('name: Dev', 'name: Development').replace(' }', ', id: "999999999999" }')}\n${PROD}`));
    w.sandbox.clearRequests();
    const { code, out, err } = await w.lz('plan');
    expect(code).toBe(1);
    expect(err).toContain('Development (id 999999999999)');
    expect(err).toContain('hint:');
    expect(out).not.toContain('+ account:Development');
  });

  it('renames and changes the email in one edit as one account when the file pins its id; the change waits for its code', async () => {
    const edited = `  - { name: Production, email: aws+production@example.com, id: "${prodId}", unit: Workloads, tags: { env: prod } }`;
    w.writeManifest(manifest(`${DEV.replace('name: Dev', 'name: Development')}\n${edited}`));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('~ account:Production.name');
    expect(plan.out).toContain('~ account:Production.email');
    expect(plan.out).not.toContain('+ account:Production');
    expect(plan.out).toContain('Plan: 0 to add, 2 to change, 0 to destroy.');

    const r = await w.lz('apply', '--auto-approve');
    expect(r.err + r.out).toContain('Apply complete!');
    const prod = await held(prodId);
    expect(prod.name).toBe('Production');
    // Not changed until the code AWS sent to the new address is accepted; lz remembers it on the account.
    expect(prod.email).toBe('aws+prod@example.com');
    expect(prod.tags['lz:pending-email']).toBe('aws+production@example.com');
    expect(prod.tags.env).toBe('prod');
    expect(w.sandbox.primaryEmailOtp(prodId)).toMatch(/^[a-zA-Z0-9]{6}$/);

    // Pending is neither a change nor drift, and lz's own tags are not reported or pruned.
    const pending = await w.lz('plan', '--prune', '--detailed-exitcode');
    expect(pending.out).toContain('No changes.');
    expect(pending.out).toContain(`lz accept-email Production --otp CODE`);
    expect(pending.out).not.toContain('lz:pending-email');
    expect(pending.code).toBe(0);
    const drift = await w.lz('drift', '--fail-on', 'drift');
    expect(drift.code).toBe(0);
  });

  it('refuses a wrong code with the call, what AWS said and what to do, and changes nothing', async () => {
    const otp = w.sandbox.primaryEmailOtp(prodId)!;
    const { code, err } = await w.lz('accept-email', 'Production', '--otp', otp === '000000' ? '111111' : '000000');
    expect(code).toBe(1);
    expect(err).toContain('AcceptPrimaryEmailUpdate');
    expect(err).toContain('ValidationException');
    expect(err).toContain('hint: Use the code in the latest email AWS sent to aws+production@example.com');
    expect((await held(prodId)).email).toBe('aws+prod@example.com');
  });

  it('refuses to accept a code for an address the file no longer names, and says what to do', async () => {
    const text = readFileSync(join(w.dir, 'accounts.yaml'), 'utf8');
    w.writeManifest(text.replace('aws+production@example.com', 'aws+prod-2@example.com'));
    const { code, err } = await w.lz('accept-email', 'Production', '--otp', w.sandbox.primaryEmailOtp(prodId)!);
    expect(code).toBe(1);
    expect(err).toContain('the pending change is to aws+production@example.com, but accounts.yaml now says aws+prod-2@example.com');
    expect((await held(prodId)).email).toBe('aws+prod@example.com');
    w.writeManifest(text);
  });

  it('accepts the code: the new email is live, lz forgets the pending change, and the next plan has 0 changes', async () => {
    const { code, out } = await w.lz('accept-email', 'Production', '--otp', w.sandbox.primaryEmailOtp(prodId)!, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ account: 'Production', accountId: prodId, before: 'aws+prod@example.com', after: 'aws+production@example.com', status: 'ACCEPTED' });
    const prod = await held(prodId);
    expect(prod.email).toBe('aws+production@example.com');
    expect(prod.tags).toEqual({ env: 'prod' });
    const next = await w.lz('plan', '--detailed-exitcode');
    expect(next.out).toContain('No changes.');
    expect(next.code).toBe(0);
    // Nothing is pending any more.
    const again = await w.lz('accept-email', 'Production', '--otp', '123456');
    expect(again.code).toBe(1);
    expect(again.err).toContain('no change is pending');
  });

  it('refuses an expired code with a hint to send a new one, which the next plan does', async () => {
    const edited = `  - { name: Production, email: aws+prod-root@example.com, id: "${prodId}", unit: Workloads, tags: { env: prod } }`;
    w.writeManifest(manifest(`${DEV.replace('name: Dev', 'name: Development')}\n${edited}`));
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const otp = w.sandbox.primaryEmailOtp(prodId)!;
    // A day and a bit later, for AWS (the code) and for lz (when it says it sent the code).
    const update = w.sandbox.state.accounts[prodId]!.primaryEmailUpdate!;
    const dayAgo = (iso: string) => new Date(Date.parse(iso) - 25 * 3600_000).toISOString();
    update.expiresAt = dayAgo(update.expiresAt);
    const since = (await held(prodId)).tags['lz:pending-email-since']!;
    await w.organizations.send(new TagResourceCommand({ ResourceId: prodId, Tags: [{ Key: 'lz:pending-email-since', Value: dayAgo(since) }] }));

    const { code, err } = await w.lz('accept-email', 'Production', '--otp', otp);
    expect(code).toBe(1);
    expect(err).toContain('AcceptPrimaryEmailUpdate');
    expect(err).toMatch(/expired/i);
    expect(err).toContain('hint: The code expired: run `lz apply`');
    expect((await held(prodId)).email).toBe('aws+prod@example.com'.replace('prod@', 'production@'));

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.out).toContain('~ account:Production.email');
    expect(plan.code).toBe(2);
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    expect(w.sandbox.primaryEmailOtp(prodId)).toMatch(/^[a-zA-Z0-9]{6}$/);
    expect((await w.lz('accept-email', 'Production', '--otp', w.sandbox.primaryEmailOtp(prodId)!)).code).toBe(0);
    expect((await held(prodId)).email).toBe('aws+prod-root@example.com');
  });
});

describe('renaming the management account', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest(DEV));
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
  });
  afterAll(async () => w.close());

  it('renames itself without AccountId and needs no trusted access; its email stays its root user\'s to change', async () => {
    w.writeManifest(manifest(DEV).replace('management: General', 'management: Headquarters').replace('name: General', 'name: Headquarters').replace('aws+general@', 'aws+hq@'));
    const plan = await w.lz('plan');
    expect(plan.out).toContain('~ account:Headquarters.name');
    expect(plan.out).not.toContain('service-access:account.amazonaws.com');
    expect(plan.out).toContain('! management account root email in AWS differs from the file (1): Headquarters');
    w.sandbox.clearRequests();
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    const put = w.sandbox.requests().find((q) => q.operation === 'PutAccountName');
    expect(put?.status).toBe(200);
    const management = (await heldAccounts(w.organizations)).find((a) => a.id === w.sandbox.managementAccountId)!;
    expect(management).toMatchObject({ name: 'Headquarters', email: 'aws+general@example.com' });
    expect(w.sandbox.requests().some((q) => q.operation === 'StartPrimaryEmailUpdate')).toBe(false);
  });
});
