import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ORGANIZATIONS_QUOTAS } from '../../src/aws/quotas.js';
import { problems, readHoldings, repositoryBaseline, type Expected } from '../helpers/holdings.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const REPO = join(import.meta.dirname, '..', '..');
const UNITS = ['Workloads/NonProd', 'Workloads/Prod', 'Teams', undefined];
const GENERATED = 20;

/** The repository's accounts.yaml (its defaults: the full baseline) with 20 generated accounts across its units. */
function manifest(): string {
  const doc = parse(readFileSync(join(REPO, 'accounts.yaml'), 'utf8')) as Record<string, unknown>;
  doc.accounts = [
    { name: 'General', email: 'aws+general@example.com', alias: 'example-general' },
    ...Array.from({ length: GENERATED }, (_, i) => ({
      name: `Account${String(i + 1).padStart(2, '0')}`,
      email: `aws+account${i + 1}@example.com`,
      ...(UNITS[i % UNITS.length] ? { unit: UNITS[i % UNITS.length] } : {}),
      alias: `example-account-${i + 1}`,
    })),
  ];
  return stringify(doc);
}

const expected = (workdir: string): Expected =>
  repositoryBaseline(
    Object.fromEntries([
      ['aws+general@example.com', 'example-general'],
      ...Array.from({ length: GENERATED }, (_, i) => [`aws+account${i + 1}@example.com`, `example-account-${i + 1}`]),
    ]),
    workdir,
  );

/**
 * The nastiest weather the sandbox makes, from a seed: 5 % of answers 500/503, connections reset before the
 * handler (nothing happened) and after it (the write happened, the client never heard), latency spikes, and
 * throttling at AWS's quotas. lz must still converge, and make every thing exactly once.
 */
describe('apply under faults converges and duplicates nothing', () => {
  let w: TestWorld;
  const createAccountQuota = ORGANIZATIONS_QUOTAS.CreateAccount!;

  beforeAll(async () => {
    // CreateAccount's real quota (0.1/s, burst 3) would make 20 creations take three minutes, in the sandbox's
    // throttling and in lz's own pacing alike. Both are raised for this test only (lz runs in this process,
    // so it reads the same table); every other quota is AWS's.
    ORGANIZATIONS_QUOTAS.CreateAccount = { rate: 5, burst: 10 };
    w = await startWorld({
      management: { name: 'General', email: 'aws+general@example.com' },
      delays: { createAccount: 50, rolePropagation: 100 },
      accountLimit: 30,
      quotas: { organizations: { CreateAccount: { rate: 5, burst: 10 } } },
      faults: { seed: 7, errors: 0.05, resets: 0.02, resetAfter: 0.03, latency: 2, jitter: 40 },
    });
  });
  afterAll(async () => {
    ORGANIZATIONS_QUOTAS.CreateAccount = createAccountQuota;
    await w?.close();
  });

  it('20 accounts with the full baseline: apply until done, then an empty plan and one of everything', async () => {
    w.writeManifest(manifest());
    const codes: number[] = [];
    for (let run = 0; run < 4; run++) {
      const r = await w.lz('apply', '--auto-approve');
      codes.push(r.code);
      // A run may fail some changes under faults (exit 1, with a summary); the next one must finish them.
      expect(r.code, r.err + r.out).not.toBe(2);
      if (r.code === 0) break;
      // Either apply's own summary, or a read AWS kept refusing through every retry, said plainly.
      expect(r.out + r.err).toMatch(/Apply finished with errors\.|^error: [\w-]+:\w+ (\(\d{12}\) )?(returned HTTP|failed before AWS answered)/m);
      expect(r.err).not.toContain('internal error');
    }
    expect(codes.at(-1), `exit codes of the runs: ${codes.join(', ')}`).toBe(0);

    // The weather really was bad: every kind of fault hit lz, writes included.
    const log = w.sandbox.requests();
    expect(log.filter((r) => r.status === 500 || r.status === 503).length).toBeGreaterThan(5);
    expect(log.filter((r) => r.errorCode === 'ConnectionReset').length).toBeGreaterThan(3);
    const answeredNever = log.filter((r) => r.errorCode === 'ConnectionResetAfterWrite' && !r.readOnly);
    expect(answeredNever.length).toBeGreaterThan(5);
    expect(new Set(answeredNever.map((r) => r.operation)).size).toBeGreaterThan(3);
    expect(log.some((r) => /Throttl|TooManyRequests/.test(r.errorCode ?? ''))).toBe(true);

    w.sandbox.setFaults(undefined);
    w.sandbox.setQuotas(undefined);
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.out).toContain('No changes.');
    expect(plan.code).toBe(0);
    const held = await readHoldings(w.sandbox);
    expect(held.accounts).toHaveLength(GENERATED + 1);
    expect(problems(held, expected(join(w.dir, '.lz')), w.sandbox)).toEqual([]);
  });
});
