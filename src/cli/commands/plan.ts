import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../../files.js';
import { findPendingSecrets } from '../../secrets.js';
import type { Lock } from '../../engine/lock.js';
import { loadManifest, type LoadedManifest } from '../../manifest/index.js';
import { makePlan, type PlanOptions, type PlanResult } from '../../engine/planner.js';
import { hasChanges } from '../../core/plan.js';
import { renderChecklist } from '../../engine/render-checklist.js';
import { planJson, renderPlan } from '../../engine/render-text.js';
import { defaultRegistry, defaultSections } from '../../resources/registry.js';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK } from '../exit.js';
import type { CliIO } from '../io.js';
import { Progress, useColor } from '../progress.js';
import { openSession, type AwsCliOptions, type Session } from '../session.js';

export interface PlanCliOptions extends AwsCliOptions {
  file: string;
  json?: boolean;
  /** `--format json` is `--json`: the spelling drift takes works for plan too. */
  format?: 'text' | 'json';
  out?: string;
  detailedExitcode?: boolean;
  target: string[];
  prune?: boolean;
  /** Close the accounts the file marks closed (recorded in a saved plan). */
  allowClose?: boolean;
  /** Print the root-user checklist (`lz plan --manual`) instead of the plan. */
  manual?: boolean;
}

export interface Planned extends PlanResult {
  manifest: LoadedManifest;
  session: Session;
  /** What `beforeReading` took (apply's S3 lock); the caller releases it before closing the session. */
  lock?: Lock;
}

/**
 * Loads the file, opens the AWS session and plans; shared by plan and apply. The caller closes the session.
 * `beforeReading` runs once the session is open and before anything is read (apply takes its S3 lock there);
 * if planning fails, the lock it returned is released here.
 */
export async function planFromCli(
  opts: PlanCliOptions,
  io: CliIO,
  progress: Progress,
  beforeReading?: (manifest: LoadedManifest, session: Session) => Promise<Lock | undefined>,
  extra: Pick<PlanOptions, 'roleWait'> = {},
): Promise<Planned> {
  const path = resolve(io.cwd, opts.file);
  const manifest = await loadManifest(opts.file, defaultSections, { cwd: io.cwd });
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  const session = await openSession(opts, { accessRole: manifest.accessRole, management: { name: manifest.management.name, email: manifest.management.email } }, io);
  let lock: Lock | undefined;
  try {
    lock = await beforeReading?.(manifest, session);
    const result = await makePlan(manifest, session.aws, defaultRegistry, {
      prune: Boolean(opts.prune),
      allowClose: Boolean(opts.allowClose),
      targets: opts.target,
      manifestSha256: sha256,
      manifestPath: path,
      onProgress: (done, total) => progress.counter('Reading accounts', done, total),
      ...extra,
    });
    // A password file a run left pending is shown by every plan and apply until someone deals with it.
    const pendingSecrets = findPendingSecrets(session.workdir);
    const plan = pendingSecrets.length > 0 ? { ...result.plan, pendingSecrets } : result.plan;
    return { ...result, plan, manifest, session, lock };
  } catch (err) {
    await lock?.release();
    await session.close();
    throw err;
  }
}

export async function planCommand(opts: PlanCliOptions, io: CliIO): Promise<number> {
  if (opts.format === 'json') opts = { ...opts, json: true };
  const progress = new Progress(io);
  const { plan, session, manifest } = await planFromCli(opts, io, progress);
  try {
    if (opts.out) writeFileAtomic(resolve(io.cwd, opts.out), planJson(plan));
    if (opts.manual && !opts.json) {
      // The checklist is for a person; manual steps never change the exit code, unreadable accounts do.
      io.stdout(renderChecklist(plan, manifest.accounts, defaultRegistry, { color: useColor(io) }));
      return plan.unreadable?.length ? EXIT_ERROR : EXIT_OK;
    }
    if (opts.json) io.stdout(planJson(plan));
    else {
      io.stdout(renderPlan(plan, { color: useColor(io) }));
      if (opts.out) io.stdout(`\nSaved the plan to ${opts.out}. Apply exactly this plan with: lz apply ${opts.out}\n`);
    }
    // A plan that could not read some account is incomplete: an error, whatever else it found.
    if (plan.unreadable?.length) return EXIT_ERROR;
    return opts.detailedExitcode && hasChanges(plan) ? EXIT_CHANGES : EXIT_OK;
  } finally {
    await session.close();
  }
}
