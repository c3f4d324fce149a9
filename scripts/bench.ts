/**
 * `npm run bench`: how fast a no-change `lz plan` is at 10, 100 and 1,000 accounts (10,000 with --big),
 * against the sandbox with AWS's quotas on and 30 ms of latency per call, compared with its lower bound;
 * the same plan at --parallelism 1 (N = 100); an apply creating 50 accounts against its own bound; and the
 * SDK's own CPU per call, the floor under lz's.
 * Options: --big, --json FILE, --sizes 10,100, --latency 30,150, --read-threads 0,1, --no-plan, --no-create, --parallelism N, --write-docs (updates
 * docs/performance.md), --cpu-prof DIR (a V8 CPU profile of each lz process timed, for what is not the request itself).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import type { RequestLogEntry } from '../src/sandbox/types.js';
import { THROTTLING_ERRORS } from '../src/sandbox/quotas.js';

const THROTTLING_CODES = Object.values(THROTTLING_ERRORS).map((e) => e.code);
import { ORGANIZATIONS_QUOTAS, MAX_ACCOUNT_CREATIONS_IN_FLIGHT } from '../src/aws/quotas.js';
import { benchAccounts, benchManifest, seedOrganization, BENCH_UNITS } from './bench/seed.js';
import { DEFAULT_PARALLELISM } from '../src/cli/program.js';
import { callsByOperation, dependentChain, lowerBound, throttled, type Bounds } from './bench/bounds.js';
import { sdkFloor } from './bench/sdk-floor.js';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
/** Added latency per call: 30 ms (a runner near us-east-1) by default; `--latency 30,150` measures each. */
const LATENCIES_MS = (option('--latency') ?? '30').split(',').map(Number);
/** lz's own default unless `--parallelism N` says otherwise: the benchmark measures what a person gets. */
const PARALLELISM = Number(option('--parallelism') ?? DEFAULT_PARALLELISM);
/** lz's `--read-threads` (auto unless given): `--read-threads 0,1` measures the plans once per value. */
const READ_THREADS = option('--read-threads')?.split(',') ?? ['auto'];
const MANAGEMENT = { name: 'General', email: 'aws+general@example.com' };
const CPU_PROFILES = option('--cpu-prof');

interface RunResult {
  name: string;
  accounts: number;
  parallelism: number;
  latencyMs: number;
  wallSeconds: number;
  exitCode: number;
  calls: number;
  callsPerAccount: number;
  failedCalls: number;
  throttledRetries: number;
  peakRssMiB: number;
  /** CPU time of the lz process: when it nears the wall time, lz (not AWS) is the limit. */
  cpuSeconds: number;
  /** CPU time of the sandbox (this process) meanwhile: on a small machine it competes with lz for cores. */
  sandboxCpuSeconds: number;
  byOperation: Record<string, number>;
  bound?: Bounds;
  ratio?: number;
}

function sandboxEnv(sandbox: SandboxHandle): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL: sandbox.endpoint,
    AWS_ACCESS_KEY_ID: sandbox.managementCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.managementCredentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Runs the real binary, as a person would, and measures it from outside. */
async function timeLz(cwd: string, env: NodeJS.ProcessEnv, lzArgs: string[]): Promise<{ seconds: number; code: number; rssKiB: number; cpuSeconds: number; out: string }> {
  const rssFile = join(mkdtempSync(join(tmpdir(), 'lz-rss-')), 'rss');
  const started = performance.now();
  const profile = CPU_PROFILES ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROFILES] : [];
  const child = spawn(process.execPath, [...profile, '--import', join(root, 'scripts/bench/rss-probe.mjs'), join(root, 'dist/cli/main.js'), ...lzArgs], {
    cwd,
    env: { ...env, LZ_BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  let usage = { rssKiB: 0, cpuMs: 0, heapUsedMiB: 0 };
  try {
    usage = JSON.parse(readFileSync(rssFile, 'utf8')) as typeof usage;
  } catch {
    // The process died before it could report.
  }
  if (process.env.LZ_BENCH_VERBOSE) process.stderr.write(`bench: peak heap in use ${usage.heapUsedMiB.toFixed(0)} MiB\n`);
  return { seconds, code, rssKiB: usage.rssKiB, cpuSeconds: usage.cpuMs / 1000, out };
}

/** One row of the report, from what a run measured. */
function result(
  name: string,
  shape: { accounts: number; parallelism: number; perAccount: number; latencyMs: number },
  measured: Awaited<ReturnType<typeof underQuotas>>,
  bound: Bounds,
): RunResult {
  const { run, sandboxCpu, log } = measured;
  return {
    name,
    accounts: shape.accounts,
    parallelism: shape.parallelism,
    latencyMs: shape.latencyMs,
    wallSeconds: run.seconds,
    exitCode: run.code,
    calls: log.length,
    callsPerAccount: log.length / shape.perAccount,
    failedCalls: failed(log),
    throttledRetries: throttled(log),
    peakRssMiB: run.rssKiB / 1024,
    cpuSeconds: run.cpuSeconds,
    sandboxCpuSeconds: (sandboxCpu.user + sandboxCpu.system) / 1e6,
    byOperation: callsByOperation(log),
    bound,
    ratio: run.seconds / bound.seconds,
  };
}

/** Runs lz against the seeded sandbox with AWS's quotas on and the benchmark's latency, and measures both sides. */
async function underQuotas(sandbox: SandboxHandle, dir: string, env: NodeJS.ProcessEnv, lzArgs: string[], latencyMs: number) {
  sandbox.setQuotas(true);
  sandbox.setFaults({ latency: latencyMs });
  sandbox.clearRequests();
  const cpu = process.cpuUsage();
  const run = await timeLz(dir, env, lzArgs);
  return { run, sandboxCpu: process.cpuUsage(cpu), log: sandbox.requests() };
}

/** One account planned at 300 ms a call: its dependent chain, with lz's CPU time negligible beside it. */
async function calibrateChain(): Promise<number> {
  const latencyMs = 300;
  const sandbox = await startSandbox({ port: 0, management: MANAGEMENT, delays: { createAccount: 10, rolePropagation: 10 } });
  try {
    const env = sandboxEnv(sandbox);
    const dir = await seedOrganization(sandbox, root, benchAccounts(1), env);
    sandbox.setFaults({ latency: latencyMs });
    sandbox.clearRequests();
    await timeLz(dir, env, ['plan']);
    return dependentChain(sandbox.requests(), sandbox.managementAccountId, latencyMs);
  } finally {
    await sandbox.close();
  }
}

async function benchPlan(n: number, parallelism: number, accountChain: number, latencyMs: number, threads = 'auto'): Promise<RunResult> {
  const sandbox = await startSandbox({ port: 0, management: MANAGEMENT, delays: { createAccount: 10, rolePropagation: 10 } });
  try {
    const env = sandboxEnv(sandbox);
    const dir = await seedOrganization(sandbox, root, benchAccounts(n), env);
    const { run, sandboxCpu, log } = await underQuotas(sandbox, dir, env, ['plan', '--detailed-exitcode', '--parallelism', String(parallelism), '--read-threads', threads], latencyMs);
    if (run.code !== 0) process.stderr.write(`plan of ${n} accounts exited ${run.code}:\n${run.out.slice(-3000)}\n`);
    const bound = lowerBound(log, {
      managementAccountId: sandbox.managementAccountId,
      latencyMs,
      parallelism,
      accounts: n + 1,
      parents: BENCH_UNITS.length + 1,
      unitLevels: 2,
      accountChain,
    });
    const name = `no-change plan, ${n} accounts${parallelism === 1 ? ', --parallelism 1' : ''}${LATENCIES_MS.length > 1 ? `, ${latencyMs} ms` : ''}${READ_THREADS.length > 1 ? `, --read-threads ${threads}` : ''}`;
    return result(name, { accounts: n, parallelism, perAccount: n + 1, latencyMs }, { run, sandboxCpu, log }, bound);
  } finally {
    await sandbox.close();
  }
}

/** 50 new accounts: bounded by CreateAccount's quota (0.1/s after a burst of 3) and 5 in flight. */
async function benchCreate(n: number): Promise<RunResult> {
  const createMs = 5000;
  const sandbox = await startSandbox({ port: 0, management: MANAGEMENT, delays: { createAccount: createMs, rolePropagation: 1000 } });
  try {
    const env = sandboxEnv(sandbox);
    const dir = mkdtempSync(join(tmpdir(), 'lz-bench-create-'));
    writeFileSync(join(dir, 'accounts.yaml'), benchManifest(root, []));
    const seeded = await timeLz(dir, env, ['apply', '--auto-approve']);
    if (seeded.code !== 0) throw new Error(`seeding the organization failed:\n${seeded.out}`);
    writeFileSync(join(dir, 'accounts.yaml'), benchManifest(root, benchAccounts(n)));
    const { run, sandboxCpu, log } = await underQuotas(sandbox, dir, env, ['apply', '--auto-approve', '--parallelism', String(PARALLELISM)], LATENCIES_MS[0]!);
    const q = ORGANIZATIONS_QUOTAS.CreateAccount!;
    // Tokens: the burst at once, then one per 1/rate; the last account still has to be created and built.
    const tokens = Math.max(0, n - q.burst) / q.rate;
    const inFlight = Math.ceil(n / MAX_ACCOUNT_CREATIONS_IN_FLIGHT) * (createMs / 1000);
    const seconds = Math.max(tokens, inFlight) + createMs / 1000;
    const bound = { quota: { bucket: 'management organizations:CreateAccount', calls: n, seconds: tokens }, latencySeconds: inFlight, accountChain: 0, organizationChain: 0, seconds };
    return result(`apply creating ${n} accounts`, { accounts: n, parallelism: PARALLELISM, perAccount: n, latencyMs: LATENCIES_MS[0]! }, { run, sandboxCpu, log }, bound);
  } finally {
    await sandbox.close();
  }
}

/**
 * Calls AWS refused or failed, other than throttling (counted apart) and "not found" (404: the normal
 * answer to "is there a bucket by this name?") — and, while a new account's role propagates, AccessDenied
 * on AssumeRole, which apply expects and waits out.
 */
function failedCalls(log: RequestLogEntry[]): RequestLogEntry[] {
  const throttling = new Set(THROTTLING_CODES);
  return log.filter((r) => r.status >= 400 && r.status !== 404 && !(r.operation === 'AssumeRole' && r.status === 403) && !throttling.has(r.errorCode ?? ''));
}

function failed(log: RequestLogEntry[]): number {
  const list = failedCalls(log);
  for (const r of list) process.stderr.write(`bench: failed call ${r.service}:${r.operation} ${r.status} ${r.errorCode ?? ''}\n`);
  return list.length;
}

function table(results: RunResult[]): string {
  const rows = [
    '| run | wall s | lower bound s (limit) | measured ÷ bound | calls / account | throttled retries | failed calls | peak RSS MiB | lz CPU s | lz CPU ms / call | sandbox CPU s |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.wallSeconds.toFixed(1)} | ${r.bound ? `${r.bound.seconds.toFixed(1)} (${r.bound.quota.seconds >= r.bound.latencySeconds ? r.bound.quota.bucket : 'latency'})` : ''} | ${r.ratio?.toFixed(2) ?? ''} | ${r.callsPerAccount.toFixed(1)} | ${r.throttledRetries} | ${r.failedCalls} | ${r.peakRssMiB.toFixed(0)} | ${r.cpuSeconds.toFixed(1)} | ${((r.cpuSeconds * 1000) / Math.max(1, r.calls)).toFixed(2)} | ${r.sandboxCpuSeconds.toFixed(1)} |`,
    ),
  ];
  return rows.join('\n');
}

async function main(): Promise<void> {
  const sizes = flag('--no-plan') ? [] : (option('--sizes') ?? (flag('--big') ? '10,100,1000,10000' : '10,100,1000')).split(',').map(Number);
  const results: RunResult[] = [];
  const chain = sizes.length > 0 ? await calibrateChain() : 0;
  process.stderr.write(`bench: one account's read is a chain of ${chain} dependent calls\n`);
  for (const latency of LATENCIES_MS) {
    for (const n of sizes) {
      for (const threads of READ_THREADS) {
        process.stderr.write(`bench: no-change plan of ${n} accounts at ${latency} ms, --read-threads ${threads}...\n`);
        results.push(await benchPlan(n, PARALLELISM, chain, latency, threads));
      }
      if (n === 100) {
        process.stderr.write('bench: the same at --parallelism 1...\n');
        results.push(await benchPlan(n, 1, chain, latency));
      }
    }
  }
  if (!flag('--no-create')) {
    process.stderr.write('bench: apply creating 50 accounts (minutes: CreateAccount is 0.1/s)...\n');
    results.push(await benchCreate(50));
  }
  // Measured after the runs, on the same machine: what any SDK v3 client pays per call, lz or not.
  const floor = sizes.length > 0 ? await sdkFloor(root, PARALLELISM) : undefined;
  const par1 = results.find((r) => r.parallelism === 1);
  const big = results.filter((r) => r.parallelism !== 1 && r.name.startsWith('no-change')).at(-1);
  const speedup = par1 && big ? par1.wallSeconds / par1.accounts / (big.wallSeconds / big.accounts) : undefined;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const md = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; sandbox quotas on, ${LATENCIES_MS.join(' and ')} ms added latency per call, --parallelism ${PARALLELISM}; one account's read is a chain of ${chain} dependent calls.`,
    '',
    table(results),
    '',
    speedup ? `Per-account speed-up of the ${big!.accounts}-account plan over --parallelism 1 (N = ${par1!.accounts}): ${speedup.toFixed(1)}×.` : '',
    floor ? `The SDK alone, the floor under lz's CPU per call: ${floor.toFixed(2)} ms (IAM GetAccountSummary, ${PARALLELISM} at a time, from 16 clients configured as lz's, against a server that answers at once; scripts/bench/sdk-floor.ts).` : '',
  ].join('\n');
  process.stdout.write(`${md}\n\nCalls by operation:\n`);
  for (const r of results) process.stdout.write(`  ${r.name}: ${JSON.stringify(r.byOperation)}\n`);
  const jsonFile = option('--json');
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ machine, date: new Date().toISOString(), latenciesMs: LATENCIES_MS, results, speedup, sdkFloorCpuMsPerCall: floor }, null, 2)}\n`);
  if (flag('--write-docs')) {
    const path = join(root, 'docs/performance.md');
    const doc = readFileSync(path, 'utf8');
    const start = '<!-- bench:start -->';
    const end = '<!-- bench:end -->';
    writeFileSync(path, `${doc.slice(0, doc.indexOf(start) + start.length)}\n${md}\n${doc.slice(doc.indexOf(end))}`);
  }
  // A run lz did not complete measured something else than the benchmark means: fail, after the numbers.
  const failed = results.filter((r) => r.exitCode !== 0 || r.failedCalls > 0);
  if (failed.length > 0) {
    process.stderr.write(`bench: ${failed.map((r) => `${r.name} (exit ${r.exitCode}, ${r.failedCalls} failed calls)`).join('; ')}\n`);
    process.exitCode = 1;
  }
}

await main();
