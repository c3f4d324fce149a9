import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/sandbox/types.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

/**
 * A machine whose clock is minutes off AWS's: the SDK corrects its clock from AWS's answers, and lz's plan
 * must cost what it costs on a true clock. Every "not found" lz expects (a user without a console password, a
 * bucket that does not exist yet) is still one call, not eight with back-off.
 */
const manifest = `
organization: { management: General, rootAccess: {} }
defaults:
  budget: { amount: 100, currency: USD, alerts: [ { at: 80, type: ACTUAL } ], notify: [finops@example.com] }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com }
`;

const notFound = (log: RequestLogEntry[]) => log.filter((r) => r.status === 404).map((r) => `${r.callerAccount} ${r.operation}`).sort();
const timeRefusals = (log: RequestLogEntry[]) => log.filter((r) => ['SignatureDoesNotMatch', 'InvalidSignatureException', 'RequestTimeTooSkewed'].includes(r.errorCode ?? ''));

describe('a plan from a machine whose clock is off AWS', () => {
  let w: TestWorld;
  let onTime: string[];

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest);
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    w.sandbox.clearRequests();
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
    onTime = notFound(w.sandbox.requests());
    expect(onTime.length).toBeGreaterThan(0);
  });
  afterAll(async () => w.close());

  it('10 minutes behind (within the window AWS accepts): each "not found" is asked once', async () => {
    w.sandbox.advanceTime(10 * 60 * 1000);
    w.sandbox.clearRequests();
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
    const log = w.sandbox.requests();
    expect(timeRefusals(log)).toHaveLength(0);
    expect(notFound(log)).toEqual(onTime);
  });

  it('20 minutes behind: refused for its time, corrected, and then each "not found" is asked once', async () => {
    w.sandbox.advanceTime(10 * 60 * 1000);
    w.sandbox.clearRequests();
    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
    const log = w.sandbox.requests();
    expect(timeRefusals(log).length).toBeGreaterThan(0);
    expect(notFound(log)).toEqual(onTime);
  });
});
