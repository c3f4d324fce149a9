import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LzError } from '../../errors.js';
import { writeFileAtomic } from '../../files.js';
import { loadManifest } from '../../manifest/index.js';
import { makePlan } from '../../engine/planner.js';
import { evaluatePosture, postureChecks, type CheckResult } from '../../engine/posture.js';
import { driftReport, renderReport, REPORT_FORMATS, summarySentence, type DriftReport } from '../../engine/render-report.js';
import { defaultRegistry, defaultSections } from '../../resources/registry.js';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK } from '../exit.js';
import { chosenFormat } from '../format-option.js';
import type { CliIO } from '../io.js';
import { Progress, useColor } from '../progress.js';
import { accountsToRead, readThreadCount, startReadThreads } from '../read-threads.js';
import { heapGrowthFor, setHeapGrowth } from '../heap.js';
import { openSession, type AwsCliOptions } from '../session.js';

export interface DriftCliOptions extends AwsCliOptions {
  file: string;
  format: string;
  /** `--json` is `--format json`: the spelling plan and validate take works for drift too. */
  json?: boolean;
  output?: string;
  /** Comma-separated: drift, findings, none (default drift,findings). */
  failOn: string;
  target: string[];
}

type FailOn = { drift: boolean; findings: boolean };

export function parseFailOn(value: string): FailOn {
  const parts = value.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
  const known = ['drift', 'findings', 'none', 'all'];
  const bad = parts.filter((p) => !known.includes(p));
  if (parts.length === 0 || bad.length > 0) {
    throw new LzError('bad-option', `--fail-on takes drift, findings, all or none (comma-separated), not "${value}"`, { hint: 'e.g. --fail-on drift, or --fail-on none to always exit 0 after a successful run' });
  }
  if (parts.includes('none')) {
    if (parts.length > 1) throw new LzError('bad-option', '--fail-on none cannot be combined with other values');
    return { drift: false, findings: false };
  }
  const all = parts.includes('all');
  return { drift: all || parts.includes('drift'), findings: all || parts.includes('findings') };
}

/** Exit 2 when what --fail-on names is present, else 0. */
export function driftExitCode(report: DriftReport, failOn: FailOn): number {
  const drift = failOn.drift && (report.summary.changes > 0 || report.summary.manualDrift > 0);
  const findings = failOn.findings && report.summary.findings > 0;
  return drift || findings ? EXIT_CHANGES : EXIT_OK;
}

/**
 * `lz drift`: the plan that should be empty plus posture findings, for scheduled runs. It only reads: the
 * plan makes no write call, and the posture checks evaluate what the plan read (see docs/architecture.md).
 */
export async function driftCommand(opts: DriftCliOptions, io: CliIO): Promise<number> {
  const format = chosenFormat(opts, REPORT_FORMATS);
  const failOn = parseFailOn(opts.failOn);
  const manifest = await loadManifest(opts.file, defaultSections, { cwd: io.cwd });
  const manifestPath = resolve(io.cwd, opts.file);
  const sha256 = createHash('sha256').update(readFileSync(manifestPath)).digest('hex');
  const members = accountsToRead(manifest, opts.target);
  const threads = readThreadCount(opts.readThreads, members);
  setHeapGrowth(heapGrowthFor(members));
  const session = await openSession(opts, { accessRole: manifest.readRole, management: { name: manifest.management.name, email: manifest.management.email } }, io);
  const progress = new Progress(io);
  const posture: CheckResult[] = [];
  let report: DriftReport;
  try {
    // An account read in a read thread has its checks evaluated there, over what the thread read.
    const readers = startReadThreads(threads, session, manifest, (results) => posture.push(...results));
    const { plan } = await makePlan(manifest, session.aws, defaultRegistry, {
      prune: false,
      targets: opts.target,
      manifestSha256: sha256,
      manifestPath,
      onProgress: (done, total) => progress.counter('Reading accounts', done, total),
      inspectAccount: async (input) => {
        posture.push(...(await evaluatePosture(defaultRegistry, input)));
      },
      ...(readers ? { readers } : {}),
    }).finally(() => readers?.close());
    const accounts = manifest.accounts.filter((a) => opts.target.length === 0 || opts.target.includes(a.name)).map((a) => a.name);
    // Accounts finish in any order: report them in file order, checks in CIS order.
    const accountRank = new Map(accounts.map((name, i) => [name, i]));
    const checkRank = new Map<string, number>(postureChecks(defaultRegistry).map((c, i) => [c.id, i]));
    const rank = (m: Map<string, number>, key: string) => m.get(key) ?? m.size;
    posture.sort((a, b) => rank(accountRank, a.account) - rank(accountRank, b.account) || rank(checkRank, a.check) - rank(checkRank, b.check));
    report = driftReport(plan, posture, accounts);
  } finally {
    await session.close();
  }

  const rendered = renderReport(report, format, { color: !opts.output && useColor(io) });
  if (opts.output) {
    writeFileAtomic(resolve(io.cwd, opts.output), rendered);
    io.stdout(`${summarySentence(report)}\nWrote the ${format} report to ${opts.output}.\n`);
  } else io.stdout(rendered);
  const stepSummary = io.env.GITHUB_STEP_SUMMARY;
  if (stepSummary) appendFileSync(stepSummary, renderReport(report, 'markdown'));
  // An account that could not be read leaves the report incomplete: an error, whatever else was found.
  if (report.summary.unreadable > 0) return EXIT_ERROR;
  return driftExitCode(report, failOn);
}
