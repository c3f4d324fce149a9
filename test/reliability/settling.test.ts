import { GetPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ignoreCodes } from '../../src/aws/aws-errors.js';
import { AwsContext } from '../../src/aws/context.js';
import { settlingRetryFloor } from '../../src/aws/settling.js';
import { createLogger } from '../../src/log.js';
import type { RequestLogEntry } from '../../src/sandbox/types.js';
import { heldAccounts } from '../helpers/organization.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

/**
 * AWS's settling windows after a new organization and a new account, widened here so that one apply from
 * nothing meets each of them: lz must wait through every one, say so, and finish.
 */
const manifest = `
organization:
  management: General
  units: [Workloads]
defaults:
  budget: { amount: 100, currency: USD, alerts: [ { at: 80, type: ACTUAL } ], notify: [finops@example.com] }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com, unit: Workloads }
  - { name: Production, email: aws+production@example.com, unit: Workloads }
`;

describe('apply waits through AWS settling a new organization and new accounts', () => {
  let w: TestWorld;
  let result: { code: number; out: string; err: string };
  let log: RequestLogEntry[];
  const answered = (operation: string, code: string) => log.filter((r) => r.operation === operation && r.errorCode === code);
  const succeeded = (operation: string) => log.filter((r) => r.operation === operation && r.status === 200);

  beforeAll(async () => {
    w = await startWorld({
      management: { name: 'General', email: 'aws+general@example.com' },
      delays: {
        createAccount: 100,
        rolePropagation: 100,
        organizationFinalizing: 600,
        concurrentModification: 1500,
        stsActivation: 400,
        serviceActivation: 400,
      },
    });
    w.writeManifest(manifest);
    result = await w.lz('apply', '--auto-approve');
    log = w.sandbox.requests();
  });
  afterAll(async () => w.close());

  it('finishes the apply, with every account in place', async () => {
    expect(result.err + result.out).toContain('Apply complete!');
    expect(result.code).toBe(0);
    const held = await heldAccounts(w.organizations);
    expect(held.filter((a) => a.unit === 'Workloads').map((a) => a.name).sort()).toEqual(['Development', 'Production']);
  });

  it('waits while the new organization finishes initializing (FinalizingOrganizationException)', () => {
    const refused = answered('CreateAccount', 'FinalizingOrganizationException');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 400)).toBe(true);
    expect(succeeded('CreateAccount')).toHaveLength(2);
    expect(result.err).toContain('waiting for the new organization to finish initializing');
  });

  it('retries a write racing the setup of what it changes (ConcurrentModificationException)', () => {
    const refused = log.filter((r) => r.errorCode === 'ConcurrentModificationException');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 400)).toBe(true);
    // A new account is moved into its unit as its creation completes: refused at first, then done.
    expect(answered('MoveAccount', 'ConcurrentModificationException').length).toBeGreaterThan(0);
    expect(succeeded('MoveAccount')).toHaveLength(2);
    expect(result.err).toMatch(/MoveAccount answered ConcurrentModificationException .*waiting and trying again/);
  });

  it('waits longer before each retry of a settling error than the SDK back-off alone would', () => {
    // The organization's one unit is made as the new root's window is open: refused, then made.
    const tries = log.filter((r) => r.operation === 'CreateOrganizationalUnit');
    expect(tries[0]!.errorCode).toBe('ConcurrentModificationException');
    expect(tries.at(-1)!.status).toBe(200);
    const gaps = tries.slice(1).map((r, i) => r.time - tries[i]!.time);
    expect(gaps.length).toBeGreaterThan(1);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(settlingRetryFloor(i + 1) - 20));
  });

  it('waits for STS in a new account (RegionDisabledException)', () => {
    const refused = answered('AssumeRole', 'RegionDisabledException');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 403)).toBe(true);
    expect(succeeded('AssumeRole').length).toBeGreaterThanOrEqual(2);
    expect(result.err).toContain('waiting for AWS to activate STS for the new account');
  });

  it("retries a new account's awsJson services until AWS has activated them (SubscriptionRequiredException)", () => {
    const budgets = log.filter((r) => r.service === 'budgets' && r.errorCode === 'SubscriptionRequiredException');
    expect(budgets.length).toBeGreaterThan(0);
    expect(budgets.every((r) => r.status === 400)).toBe(true);
    // Each refused account's budget was then made.
    for (const r of budgets) expect(log.some((l) => l.callerAccount === r.callerAccount && l.operation === r.operation && l.status === 200)).toBe(true);
    expect(result.err).toMatch(/CreateBudget answered SubscriptionRequiredException \(AWS is still activating the service for the new account\); waiting and trying again/);
  });

  it("retries a new account's S3 until AWS has activated it (NotSignedUp), through lz's member clients", async () => {
    const development = (await heldAccounts(w.organizations)).find((a) => a.name === 'Development')!;
    // A second window for S3 in the account, opened by lz's first S3 Control call.
    w.sandbox.state.settling = Object.fromEntries(Object.entries(w.sandbox.state.settling ?? {}).filter(([k]) => !k.startsWith('service:')));
    w.sandbox.clearRequests();
    const steps: string[] = [];
    const aws = new AwsContext({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, accessRole: 'OrganizationAccountAccessRole', parallelism: 1, logger: createLogger({ level: 'silent' }) });
    aws.progress = (subject, step) => steps.push(`${subject}: ${step}`);
    try {
      const clients = aws.forAccount(development.id, w.sandbox.managementAccountId);
      await ignoreCodes(clients.s3Control.send(new GetPublicAccessBlockCommand({ AccountId: development.id })), ['NoSuchPublicAccessBlockConfiguration']);
    } finally {
      aws.destroy();
    }
    const refused = w.sandbox.requests().filter((r) => r.errorCode === 'NotSignedUp');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 403 && r.callerAccount === development.id)).toBe(true);
    // And the retried call got through (the account has no setting yet: 404, as AWS answers).
    expect(w.sandbox.requests().at(-1)).toMatchObject({ operation: 'GetPublicAccessBlock', callerAccount: development.id, status: 404 });
    expect(steps[0]).toBe(`${development.id}: GetPublicAccessBlock answered NotSignedUp (AWS is still activating S3 for the new account); waiting and trying again`);
  });

  it('a plan that meets STS not yet active in a new account names it and says to run again shortly', async () => {
    const production = (await heldAccounts(w.organizations)).find((a) => a.name === 'Production')!;
    // A fresh STS window for Production, as a plan right after someone created the account would meet.
    w.sandbox.state.settling = Object.fromEntries(Object.entries(w.sandbox.state.settling ?? {}).filter(([k]) => k !== `sts:${production.id}`));
    const plan = await w.lz('plan', '--target', 'Production');
    expect(plan.code).toBe(1);
    expect(plan.out).toContain('RegionDisabledException');
    expect(plan.out + plan.err).toContain('STS is not active yet for this account in us-east-1');
  });
});
