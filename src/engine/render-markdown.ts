import { accountAddress } from '../core/organization.js';
import { blockedChanges, countChanges, type Change, type Plan } from '../core/plan.js';
import { unverifiableNotice, visibleManual } from './manual-steps.js';
import { detailLines, listed, manualGroups, pendingSecretsText, unmanagedText, type DetailLine } from './render-text.js';

/**
 * Markdown for GitHub: the plan as a pull request comment (`lz plan --format markdown`), and the pieces drift's
 * Markdown report shares with it. Never any ANSI colour: GitHub shows escape codes as they are.
 */

/** GitHub refuses a comment or issue body longer than this (characters). */
export const GITHUB_BODY_LIMIT = 65_536;
/**
 * What the plan comment may take by default: GitHub's limit less room for what the poster adds around it (a
 * marker to find its comment again, a heading, a link to the run). Measured in UTF-16 code units, never fewer
 * than the characters GitHub counts.
 */
export const DEFAULT_MARKDOWN_LIMIT = 60_000;

/** A list in a callout shows this many items, then "and N more": the parts that are always kept stay short. */
const LIST_MAX = 10;
/** Longer free text (an AWS error, a description) is cut to this many characters in those lists. */
const ITEM_MAX = 300;

// ---- escaping --------------------------------------------------------------------------------------------------

/** A table cell: pipes and backslashes escaped, lines joined with <br>. */
export const cell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

/** Text in HTML (a <summary>), where Markdown is not read. */
const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A code span that holds any text: a fence of backticks longer than any run inside it. */
export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const fence = '`'.repeat(longestRun(flat, '`') + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced block that no line of `lines` can close early. */
function fenced(info: string, lines: readonly string[]): string[] {
  const fence = '`'.repeat(Math.max(3, ...lines.map((l) => longestRun(l, '`') + 1)));
  return [`${fence}${info}`, ...lines, fence];
}

function longestRun(text: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/** `text` in at most `max` characters, an ellipsis saying where it was cut. */
export const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Free text in a list item: one line, Markdown-inert enough (no HTML), cut to `max` characters. */
export function inline(text: string, max = ITEM_MAX): string {
  return html(cut(text.replace(/\s+/g, ' ').trim(), max));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** At most LIST_MAX items, then one line saying how many more the full plan holds. */
export function capped(items: readonly string[], more: (n: number) => string): string[] {
  if (items.length <= LIST_MAX) return [...items];
  return [...items.slice(0, LIST_MAX), more(items.length - LIST_MAX)];
}

// ---- changes, by account -----------------------------------------------------------------------------------------

/** One collapsed section of changes: the organization's, or one account's. Whole, never cut. */
export interface ChangeSection {
  /** `Organization`, or the account's manifest name. */
  title: string;
  markdown: string;
}

/**
 * The plan's changes grouped where they happen: organization-level changes (the organization, units, policies,
 * organization services) in one section first, then one per account in the order the plan reaches them. Each is
 * a <details> holding a diff block: `+` created, `-` removed, `!` changed, so that GitHub colours them; a policy
 * document that changed shows as a diff of its lines.
 */
export function changeSections(changes: readonly Change[]): ChangeSection[] {
  const groups = new Map<string | undefined, Change[]>([[undefined, []]]);
  for (const c of changes) {
    const group = groups.get(c.account) ?? [];
    group.push(c);
    groups.set(c.account, group);
  }
  const sections: ChangeSection[] = [];
  for (const [account, group] of groups) {
    if (group.length === 0) continue;
    const title = account === undefined ? 'Organization' : account;
    const created = account !== undefined && group.some((c) => c.address === accountAddress(account) && c.action === 'create');
    const closes = group.some((c) => c.requires === 'allow-close');
    const summary = `<b>${html(title)}</b>${created ? ' (new account)' : ''}: ${countsPhrase(group)}${closes ? ' · ⚠️ closes the account' : ''}`;
    const findings = group.flatMap((c) => (c.findings ?? []).map((f) => `- ${f.severity === 'error' ? '⛔ **error**' : '⚠️ warning'} in ${code(c.address)} (${inline(f.source)}): ${inline(f.message, 2000)}`));
    const lines = [`<details><summary>${summary}</summary>`, '', ...fenced('diff', group.flatMap(diffLines).slice(0, -1)), ''];
    if (findings.length > 0) lines.push(...findings, '');
    lines.push('</details>', '');
    sections.push({ title, markdown: lines.join('\n') });
  }
  return sections;
}

function countsPhrase(changes: readonly Change[]): string {
  const n = countChanges({ changes: [...changes], manual: [] });
  const parts = [n.add > 0 ? `${n.add} to add` : '', n.change > 0 ? `${n.change} to change` : '', n.destroy > 0 ? `${n.destroy} to destroy` : ''];
  return parts.filter(Boolean).join(', ');
}

const DIFF_MARK = { create: '+', delete: '-', update: '!', manual: ' ' } as const;

/** A change as diff-block lines (the mark in column one), and a blank line after it. */
function diffLines(change: Change): string[] {
  const own = DIFF_MARK[change.action];
  const line = (l: DetailLine) => `${l.mark === '~' ? '!' : (l.mark ?? own)}${l.nested ? '         ' : '     '}${l.text}`;
  return [`${own} ${change.address}`, ...folded(detailLines(change)).map(line), ''];
}

/** Unchanged lines kept on each side of a change in a document's diff, as `git diff` shows them. */
const CONTEXT = 3;

/**
 * A document's diff with its unchanged stretches folded into one line each: a reviewer reads the statement
 * that changed, not the whole policy again (which the comment's limit could not hold either).
 */
function folded(lines: readonly DetailLine[]): DetailLine[] {
  const unchanged = (l: DetailLine | undefined) => l?.nested === true && l.mark === ' ';
  const out: DetailLine[] = [];
  for (let i = 0; i < lines.length; ) {
    if (!unchanged(lines[i])) {
      out.push(lines[i++]!);
      continue;
    }
    let end = i;
    while (unchanged(lines[end])) end++;
    // Context only towards a change of the same document: the lines around a stretch that are nested are changes.
    const before = lines[i - 1]?.nested ? CONTEXT : 0;
    const after = lines[end]?.nested ? CONTEXT : 0;
    const run = lines.slice(i, end);
    if (run.length > before + after + 1) {
      out.push(...run.slice(0, before), { mark: ' ', nested: true, text: `… ${run.length - before - after} unchanged lines` }, ...run.slice(run.length - after));
    } else out.push(...run);
    i = end;
  }
  return out;
}

// ---- the plan as a pull request comment ----------------------------------------------------------------------

export interface PlanMarkdownOptions {
  /**
   * The most characters the comment may have (default DEFAULT_MARKDOWN_LIMIT). What is always kept (counts,
   * callouts, summaries: lists capped at LIST_MAX items of ITEM_MAX characters) stays far below the default;
   * a limit much smaller than that may not be met by those parts alone.
   */
  limit?: number;
  /**
   * Where the whole plan is, for a comment that had to leave sections out: one line of Markdown, e.g. "the
   * `lz-plan` artifact of [this run](https://...)". Default: how to get it with lz.
   */
  fullPlan?: string;
}

/**
 * The plan for a pull request comment: the counts first, then what needs a reviewer's eye (destroys and
 * account closures, changes apply would refuse, accounts not read, passwords not confirmed), the manual steps
 * in a few lines, one collapsed section of changes per account, and what AWS holds that the file does not
 * name. Never longer than `limit`: account sections are left out from the end, whole, and a note says how
 * many and where the full plan is.
 */
export function renderPlanMarkdown(plan: Plan, options: PlanMarkdownOptions = {}): string {
  const where = options.fullPlan ?? 'the plan saved with `lz plan --out FILE` (or `lz plan` as text)';
  return fitSections(
    { head: [...titleAndCounts(plan), ...callouts(plan), ...manualSummary(plan), ...about(plan)], heading: ['### Changes', ''], sections: changeSections(plan.changes), tail: [...unmanagedList(plan), ...inProgressList(plan), ...closing(plan)] },
    options.limit ?? DEFAULT_MARKDOWN_LIMIT,
    `The full plan is in ${where}.`,
  );
}

/** A Markdown document whose middle is change sections, the one part that grows with the organization. */
export interface SectionedDocument {
  head: readonly string[];
  /** Lines before the sections, shown only when one is. */
  heading: readonly string[];
  sections: readonly ChangeSection[];
  tail: readonly string[];
}

/**
 * The document in at most `limit` characters: sections are left out from the end, whole, and a note says how
 * many, which, and `pointer` (one line of the caller's Markdown: where the whole of it is). Head and tail are
 * always kept; their lists are the callers' to cap.
 */
export function fitSections(doc: SectionedDocument, limit: number, pointer: string): string {
  const { head, heading, sections, tail } = doc;
  const join = (kept: readonly ChangeSection[], note: string[]) => [...head, ...(kept.length > 0 ? heading : []), ...kept.map((s) => s.markdown), ...note, ...tail].join('\n');

  // Lengths are added up rather than the text joined again for each count of sections: plans run to thousands.
  const joinedLength = (lines: readonly string[]) => lines.reduce((sum, l) => sum + l.length + 1, 0);
  const fixed = joinedLength(head) + joinedLength(tail);
  const upTo = [0];
  for (const s of sections) upTo.push(upTo.at(-1)! + s.markdown.length + 1);
  const size = (k: number, note: string[]) => fixed + (k > 0 ? joinedLength(heading) : 0) + upTo[k]! + joinedLength(note);
  if (size(sections.length, []) <= limit) return finish(join(sections, []));
  let k = sections.length - 1;
  const noteFor = (kept: number) => leftOutNote(sections.slice(kept), sections.length, pointer);
  while (k > 0 && size(k, noteFor(k)) > limit) k--;
  return finish(join(sections.slice(0, k), noteFor(k)));
}

const finish = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

function titleAndCounts(plan: Plan): string[] {
  const n = countChanges(plan);
  const closes = plan.changes.filter((c) => c.requires === 'allow-close').length;
  const manual = visibleManual(plan).length;
  const unreadable = plan.unreadable?.length ?? 0;
  const counts = `${n.add} to add, ${n.change} to change, ${n.destroy} to destroy`;
  // Never "no changes" when some account was not read: what it holds is not known.
  const verdict = unreadable > 0 ? `❌ incomplete: ${counts}` : n.add + n.change + n.destroy === 0 ? '✅ no changes' : counts;
  return [
    `## lz plan: ${verdict}`,
    '',
    '| to add | to change | to destroy | accounts to close | manual steps |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${n.add} | ${n.change} | ${n.destroy} | ${closes} | ${manual} |`,
    '',
  ];
}

/** GitHub alerts for what must not be missed, each list kept short (the sections hold every change). */
function callouts(plan: Plan): string[] {
  const out: string[] = [];
  const alert = (type: 'CAUTION' | 'WARNING' | 'IMPORTANT', lines: string[]) => out.push(`> [!${type}]`, ...lines.map((l) => `> ${l}`), '');
  const unreadable = plan.unreadable ?? [];
  if (unreadable.length > 0) {
    alert('CAUTION', [
      `**Plan incomplete: ${unreadable.length} account${unreadable.length === 1 ? '' : 's'} could not be read**, so ${unreadable.length === 1 ? 'its' : 'their'} state is unknown and nothing is planned inside ${unreadable.length === 1 ? 'it' : 'them'}.`,
      ...capped(unreadable.map((u) => `- ${code(u.address)}: ${inline(u.reason)}${u.hint ? ` (${inline(u.hint)})` : ''}`), (k) => `- and ${k} more`),
    ]);
  }
  const blocked = blockedChanges(plan);
  if (blocked.length > 0) {
    alert('CAUTION', [
      `**Apply will refuse this plan**: a checker found errors in what ${plural(blocked.length, 'change')} would write. Fix accounts.yaml and plan again.`,
      ...capped(
        blocked.map((c) => {
          const first = c.findings!.find((f) => f.severity === 'error')!;
          return `- ${code(c.address)}: ${inline(first.source)}: ${inline(first.message)}`;
        }),
        (k) => `- and ${k} more`,
      ),
    ]);
  }
  const closes = plan.changes.filter((c) => c.requires === 'allow-close');
  const deletes = plan.changes.filter((c) => c.action === 'delete' && c.requires !== 'allow-close');
  if (closes.length + deletes.length > 0) {
    const lines: string[] = [];
    if (closes.length > 0) {
      const guard = plan.options.allowClose
        ? 'It was made with `--allow-close`: applying it closes them.'
        : 'Apply refuses it without `--allow-close`.';
      lines.push(`**This plan closes ${closes.length === 1 ? 'an AWS account' : `${closes.length} AWS accounts`}.** ${guard} AWS Support can reopen a closed account only within 90 days.`);
      lines.push(...capped(closes.map((c) => `- ${code(c.account ?? c.address)} (${code(c.address)})`), (k) => `- and ${k} more accounts`));
    }
    if (deletes.length > 0) {
      if (lines.length > 0) lines.push('');
      const prune = plan.options.prune ? ' (`--prune` is on: what lz manages and accounts.yaml no longer names is deleted)' : '';
      lines.push(`**This plan destroys ${plural(deletes.length, 'thing')}**${prune}:`);
      lines.push(...capped(deletes.map((c) => `- ${code(c.address)}`), (k) => `- and ${k} more`));
    }
    alert('WARNING', lines);
  }
  const pending = plan.pendingSecrets ?? [];
  if (pending.length > 0) {
    alert('IMPORTANT', [
      `**${plural(pending.length, 'console password')} a run wrote and did not confirm** (it stopped around the call that set ${pending.length === 1 ? 'it' : 'them'}), on the machine that ran it:`,
      ...capped(pending.map((f) => `- ${code(f)}`), (k) => `- and ${k} more`),
      '',
      pendingSecretsText([]).join(' '),
    ]);
  }
  return out;
}

/** The manual steps in a few lines, one per kind of step: `lz plan --manual` is the checklist. */
function manualSummary(plan: Pick<Plan, 'manual'>): string[] {
  const groups = manualGroups(plan);
  const out: string[] = [];
  if (groups.length > 0) {
    const total = groups.reduce((sum, g) => sum + g.count, 0);
    out.push(`**${plural(total, 'manual step')}** (a person has to do these; \`lz plan --manual\` is the checklist):`, '');
    for (const g of groups) {
      out.push(`- ${inline(g.step)} (${g.count}): ${inline(listed(g.where))}`);
    }
    out.push('');
  }
  const notice = unverifiableNotice(plan);
  if (notice) out.push(notice.replace('lz plan --manual', '`lz plan --manual`'), '');
  return out;
}

function about(plan: Plan): string[] {
  const options = [plan.options.prune ? '`--prune`' : '', plan.options.allowClose ? '`--allow-close`' : '', plan.options.targets.length > 0 ? `\`--target\` ${plan.options.targets.map(code).join(', ')}` : '']
    .filter(Boolean)
    .join(', ');
  const org = plan.organization.id ? `organization ${code(plan.organization.id)}` : 'no organization yet';
  return [`<sub>Planned ${plan.createdAt} · ${org} · management account ${code(plan.organization.managementAccountId)} · accounts.yaml sha256 ${code(plan.manifest.sha256.slice(0, 12))}${options ? ` · ${options}` : ''}</sub>`, ''];
}

function leftOutNote(left: readonly ChangeSection[], total: number, pointer: string): string[] {
  const shown = listed(left.map((s) => s.title), LIST_MAX);
  // The caller's words are Markdown (a link to the run's artifact), kept on one line.
  return [
    '> [!NOTE]',
    `> **${plural(left.length, 'section')} of ${total} left out** to keep this under GitHub's ${GITHUB_BODY_LIMIT.toLocaleString('en-US')}-character limit: ${html(shown)}. ${pointer.replace(/\s+/g, ' ').trim()}`,
    '',
  ];
}

function unmanagedList(plan: Plan): string[] {
  if (plan.unmanaged.length === 0) return [];
  const items = plan.unmanaged.map((u) => `- ${inline(unmanagedText(u))}`);
  return [`<details><summary>In AWS, not in accounts.yaml: reported, left alone (${plan.unmanaged.length})</summary>`, '', ...capped(items, (k) => `- and ${k} more`), '', '</details>', ''];
}

function inProgressList(plan: Plan): string[] {
  if (!plan.inProgress?.length) return [];
  const items = plan.inProgress.map((p) => `- ${inline(p.description)}`);
  return [`<details><summary>Under way at AWS, as accounts.yaml wants (${plan.inProgress.length})</summary>`, '', ...capped(items, (k) => `- and ${k} more`), '', '</details>', ''];
}

function closing(plan: Plan): string[] {
  const prunable = plan.unmanaged.filter((u) => u.prunable).length;
  if (prunable === 0) return [];
  return [`${plural(prunable, 'thing')} accounts.yaml no longer names ${prunable === 1 ? 'is' : 'are'} left alone: \`lz plan --prune\` removes ${prunable === 1 ? 'it' : 'them'}.`, ''];
}
