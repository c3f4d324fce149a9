import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LzError } from '../../errors.js';
import { writeFileAtomic } from '../../files.js';
import { findPendingSecrets } from '../../secrets.js';
import type { Lock } from '../../engine/lock.js';
import { loadManifest, type LoadedManifest } from '../../manifest/index.js';
import { makePlan, type PlanOptions, type PlanResult } from '../../engine/planner.js';
import { hasChanges } from '../../core/plan.js';
import { renderChecklist } from '../../engine/render-checklist.js';
import { code, renderPlanMarkdown } from '../../engine/render-markdown.js';
import { planJson, renderPlan } from '../../engine/render-text.js';
import { defaultRegistry, defaultSections } from '../../resources/registry.js';
import { EXIT_CHANGES, EXIT_ERROR, EXIT_OK } from '../exit.js';
import { chosenFormat } from '../format-option.js';
import type { CliIO } from '../io.js';
import { Progress, useColor } from '../progress.js';
import { openSession, type AwsCliOptions, type Session } from '../session.js';
import { accountsToRead, readThreadCount, startReadThreads } from '../read-threads.js';
import { heapGrowthFor, setHeapGrowth } from '../heap.js';

export interface PlanCliOptions extends AwsCliOptions {
  file: string;
  json?: boolean;
  /** text, json or markdown; `--json` is `--format json`, the one spelling plan and drift share. */
  format?: string;
  /** For `--format markdown`: where the full plan is, named in a comment that had to leave sections out. */
  markdownNote?: string;
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
  extra: Pick<PlanOptions, 'roleWait'> & { readOnly?: boolean } = {},
): Promise<Planned> {
  const path = resolve(io.cwd, opts.file);
  const manifest = await loadManifest(opts.file, defaultSections, { cwd: io.cwd });
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  const members = accountsToRead(manifest, opts.target);
  const threads = readThreadCount(opts.readThreads, members);
  setHeapGrowth(heapGrowthFor(members));
  // A plan that only reads reaches member accounts through the read role; apply's own plan, through the access role it writes with.
  const accessRole = extra.readOnly ? manifest.readRole : manifest.accessRole;
  const session = await openSession(opts, { accessRole, management: { name: manifest.management.name, email: manifest.management.email } }, io);
  let lock: Lock | undefined;
  try {
    lock = await beforeReading?.(manifest, session);
    const readers = startReadThreads(threads, session, manifest);
    const result = await makePlan(manifest, session.aws, defaultRegistry, {
      prune: Boolean(opts.prune),
      allowClose: Boolean(opts.allowClose),
      targets: opts.target,
      manifestSha256: sha256,
      manifestPath: path,
      onProgress: (done, total) => progress.counter('Reading accounts', done, total),
      ...(readers ? { readers } : {}),
      ...extra,
    }).finally(() => readers?.close());
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

const PLAN_FORMATS = ['text', 'json', 'markdown'] as const;
type PlanFormat = (typeof PLAN_FORMATS)[number];

/** The CI's words for where the full plan is go into a comment as they are: a line of Markdown, not a page. */
const MARKDOWN_NOTE_MAX = 500;

/** Refuses options that contradict each other before anything is read. */
function outputFormat(opts: PlanCliOptions): PlanFormat {
  const format = chosenFormat(opts, PLAN_FORMATS);
  if (opts.markdownNote !== undefined && format !== 'markdown') {
    throw new LzError('bad-option', `--markdown-note is for --format markdown; this plan is printed as ${format}.`, { hint: 'Add --format markdown, or leave --markdown-note out.' });
  }
  if (opts.markdownNote !== undefined && opts.markdownNote.length > MARKDOWN_NOTE_MAX) {
    throw new LzError('bad-option', `--markdown-note takes at most ${MARKDOWN_NOTE_MAX} characters (it is ${opts.markdownNote.length}): it is one line of the comment, e.g. "the lz-plan artifact of this run".`);
  }
  if (opts.manual && format === 'markdown') {
    throw new LzError('bad-option', '--manual prints the root-user checklist as text; it cannot be combined with --format markdown.', { hint: 'Give one of them.' });
  }
  return format;
}

export async function planCommand(opts: PlanCliOptions, io: CliIO): Promise<number> {
  const format = outputFormat(opts);
  const progress = new Progress(io);
  const { plan, session, manifest } = await planFromCli(opts, io, progress, undefined, { readOnly: true });
  try {
    // The saved plan is always JSON, whatever stdout shows: it is what apply reads.
    if (opts.out) writeFileAtomic(resolve(io.cwd, opts.out), planJson(plan));
    if (opts.manual && format === 'text') {
      // The checklist is for a person; manual steps never change the exit code, unreadable accounts do.
      io.stdout(renderChecklist(plan, manifest.accounts, defaultRegistry, { color: useColor(io) }));
      return plan.unreadable?.length ? EXIT_ERROR : EXIT_OK;
    }
    if (format === 'json') io.stdout(planJson(plan));
    else if (format === 'markdown') {
      const fullPlan = opts.markdownNote ?? (opts.out ? `the plan saved to ${code(opts.out)} (${code(`lz apply ${opts.out}`)} applies exactly it)` : undefined);
      io.stdout(renderPlanMarkdown(plan, { fullPlan }));
    } else {
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
