import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/sandbox/runtime.js';
import { problems, readHoldings, repositoryBaseline, type Expected } from '../helpers/holdings.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';
import { lzProcess, type Run } from '../helpers/child.js';
import { NO_SETTLING } from '../../src/sandbox/index.js';

const REPO = join(import.meta.dirname, '..', '..');
const KILLS = 20;
const SEED = 20_240_601;

/** The repository's own accounts.yaml: four accounts (three to create) with the full baseline. */
const MANIFEST = readFileSync(join(REPO, 'accounts.yaml'), 'utf8');
const EXPECTED = (workdir: string): Expected =>
  repositoryBaseline(
    {
      'aws+general@example.com': 'example-general',
      'aws+development@example.com': 'example-development',
      'aws+testing@example.com': 'example-testing',
      'aws+production@example.com': 'example-production',
    },
    workdir,
  );


/**
 * One change at a time inside accounts: the K-th write is then the same write in every run of this test,
 * and a kill loses few writes already on their way (with 16 accounts at once, the dead run's writes in
 * flight could finish the work before the next kill point).
 */
const APPLY = ['apply', '--auto-approve', '--parallelism', '1'];

const worldOptions = {
  management: { name: 'General', email: 'aws+general@example.com' },
  // Kills are aimed at the K-th write of a clean run: the settling windows, whose retries vary with timing, are off.
  delays: { createAccount: 50, rolePropagation: 100, ...NO_SETTLING },
};

/** `lz apply --auto-approve` as a separate process, pointed at the sandbox through the environment. */
const applyProcess = (dir: string): Run => lzProcess(dir, APPLY);

/**
 * apply, in its own process, is killed with SIGKILL at 20 points of its work (at its first account-creation
 * poll, then at the K-th write the sandbox sees, K from a seeded PRNG), each kill landing after the request
 * was sent and before lz heard the answer.
 * Each next apply takes over the dead run's lock and continues; after the last kill one more apply
 * converges to an empty plan, with every thing made exactly once.
 */
describe('apply survives SIGKILL at any write', () => {
  let w: TestWorld;
  /** Writes of one uninterrupted apply of the same file, measured on a sandbox of its own. */
  let cleanWrites = 0;

  beforeAll(async () => {
    const reference = await startWorld(worldOptions);
    try {
      reference.writeManifest(MANIFEST);
      const r = await reference.lz(...APPLY);
      expect(r.code, r.err).toBe(0);
      cleanWrites = reference.sandbox.requests().filter((x) => !x.readOnly).length;
    } finally {
      await reference.close();
    }
    // startWorld points the environment (and so the child processes) at the newest sandbox.
    w = await startWorld(worldOptions);
  });
  afterAll(async () => w?.close());

  it(`is killed ${KILLS} times, keeps a readable journal, and then converges with nothing duplicated`, async () => {
    w.writeManifest(MANIFEST);
    expect(cleanWrites).toBeGreaterThan(KILLS * 2);
    // The first run is killed at its first creation poll: CreateAccount answered, the request journaled and
    // in flight (few writes happen then, so a write count would rarely land there). From that moment 19
    // more kills, at write counts drawn from a seeded PRNG over the first three quarters of what is left
    // of a clean run (resumed runs skip what earlier ones did, so together they make a few writes fewer
    // than one clean run; each point must still be reached).
    const prng = mulberry32(SEED);
    let killAt: number[] | undefined;
    let base = 0;
    let writes = 0;
    let current: Run | undefined;
    const killed: { at: number; operation: string }[] = [];
    /** At each kill where a journal existed: how many creations it held in flight. */
    const journals: number[] = [];
    const stop = w.sandbox.onRequest((entry) => {
      const alive = current !== undefined && current.child.exitCode === null && !current.child.killed;
      if (!entry.readOnly) writes++;
      if (!alive) return;
      const kill = () => {
        // Synchronous: the child dies now, while the sandbox goes on to carry out this very request.
        current!.child.kill('SIGKILL');
        killed.push({ at: writes, operation: `${entry.service}:${entry.operation}` });
      };
      if (!killAt) {
        if (entry.operation !== 'DescribeCreateAccountStatus') return;
        base = writes;
        const points = new Set<number>();
        const range = Math.floor((cleanWrites - base) * 0.75);
        while (points.size < KILLS - 1) points.add(1 + Math.floor(prng.next() * range));
        killAt = [...points].sort((a, b) => a - b);
        return kill();
      }
      const next = killAt[killed.length - 1];
      if (!entry.readOnly && next !== undefined && writes - base >= next) kill();
    });
    const lzDir = join(w.dir, '.lz');
    try {
      for (let spawned = 0; killed.length < KILLS; spawned++) {
        const kills = killed.length;
        current = applyProcess(w.dir);
        const { code, signal } = await current.exit;
        const run = current;
        current = undefined;
        // No run was refused by the lock a killed one left.
        expect(run.err).not.toContain('holds the lock');
        expect(signal, `run ${spawned} ended by itself (exit ${code}) before kill ${kills + 1} at write ${base}+${killAt?.[kills - 1]} (${writes} so far; a clean run makes ${cleanWrites}):\n${run.err}${run.out}`).toBe('SIGKILL');
        expect(killed.length).toBe(kills + 1);
        // The dead run's files: its lock (taken over by the next run) and a journal that parses.
        expect(existsSync(join(lzDir, 'apply.lock'))).toBe(true);
        const journal = join(lzDir, 'journal.json');
        if (existsSync(journal)) {
          const text = readFileSync(journal, 'utf8');
          expect(() => JSON.parse(text), text).not.toThrow();
          const pending = Object.values((JSON.parse(text) as { creations: Record<string, object> }).creations).flatMap((o) => Object.keys(o));
          journals.push(pending.length);
        }
        // Let requests the dead process had already written to its sockets reach the sandbox.
        await new Promise((r) => setTimeout(r, 30));
      }
    } finally {
      stop();
    }
    expect(killed).toHaveLength(KILLS);
    // The kills were spread over the run: account creation, and the baseline in several services.
    const services = new Set(killed.map((k) => k.operation.split(':')[0]));
    expect(services.size, JSON.stringify(killed)).toBeGreaterThanOrEqual(2);
    // The first kill found the creations in flight in the journal; the next run resumed them.
    expect(killed[0]!.operation).toBe('organizations:DescribeCreateAccountStatus');
    expect(journals[0], `creations in the journal at each kill: ${journals.join(', ')}`).toBeGreaterThan(0);

    const last = applyProcess(w.dir);
    const { code } = await last.exit;
    expect(last.err).not.toContain('holds the lock');
    expect(code, last.err + last.out).toBe(0);
    expect(existsSync(join(lzDir, 'apply.lock'))).toBe(false);
    if (existsSync(join(lzDir, 'journal.json'))) expect(JSON.parse(readFileSync(join(lzDir, 'journal.json'), 'utf8')).creations).toEqual({});

    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.out).toContain('No changes.');
    expect(plan.code).toBe(0);
    const held = await readHoldings(w.sandbox);
    expect(problems(held, EXPECTED(lzDir), w.sandbox)).toEqual([]);
    // Across 20 crashes, each account was asked for exactly once: a resumed run found the request (in the
    // journal, or in flight by name) instead of sending another.
    const requested = Object.values(w.sandbox.state.organization!.createAccountRequests).map((r) => r.email).sort();
    expect(requested).toEqual(['aws+development@example.com', 'aws+production@example.com', 'aws+testing@example.com']);
  });
});
