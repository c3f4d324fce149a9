import { ACTION_SYMBOL, countChanges, type Change, type FieldChange, type Plan, type Unmanaged } from '../core/plan.js';
import { unverifiableNotice, visibleManual } from './manual-steps.js';

const COLOR: Record<Change['action'], number> = { create: 32, update: 33, delete: 31, manual: 35 };

export interface RenderOptions {
  color: boolean;
}

/** The Terraform-style text a person reads before saying yes. */
export function renderPlan(plan: Plan, options: RenderOptions): string {
  const paint = (code: number, text: string) => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const bold = (text: string) => (options.color ? `\x1b[1m${text}\x1b[0m` : text);
  const lines: string[] = [];

  if (plan.options.prune && plan.changes.some((c) => c.action === 'delete')) {
    lines.push(paint(31, bold('--prune is on: things lz manages that accounts.yaml no longer names will be DELETED (marked -).')), '');
  }
  const closing = plan.changes.filter((c) => c.requires === 'allow-close');
  if (closing.length > 0) {
    const names = closing.map((c) => c.account ?? c.address).join(', ');
    lines.push(paint(31, bold(`This plan CLOSES ${closing.length === 1 ? 'an AWS account' : `${closing.length} AWS accounts`}: ${names}. Apply needs --allow-close; AWS Support can reopen a closed account only within 90 days.`)), '');
  }
  if (plan.changes.length > 0) {
    lines.push('lz will perform the following actions:', '');
    for (const change of plan.changes) {
      lines.push(`  ${paint(COLOR[change.action], ACTION_SYMBOL[change.action])} ${bold(change.address)}`);
      const removed = change.action === 'delete' ? '  (will be removed)' : '';
      lines.push(...detailLines(change).map((l) => `      ${l.nested ? '    ' : ''}${l.mark ? `${l.mark} ` : ''}${l.text}${removed}`));
      for (const f of change.findings ?? []) {
        const head = `${f.severity === 'error' ? paint(31, 'error') : paint(33, 'warning')} (${f.source}): `;
        lines.push(...wrap(f.message, 96).map((l, i) => `      ${i === 0 ? head : '  '}${l}`));
      }
      lines.push('');
    }
  }
  // One line per kind of step, with its count; `lz plan --manual` is the checklist with every step. Steps lz
  // can never verify (billing access) are not repeated every run: one closing line counts them.
  const groups = manualGroups(plan);
  if (groups.length > 0) {
    lines.push(bold('Manual steps (lz cannot or must not do these; a person has to). The checklist: lz plan --manual'), '');
    for (const g of groups) lines.push(`  ${paint(COLOR.manual, '!')} ${g.step} (${g.count}): ${listed(g.where)}`);
    lines.push('');
  }
  if (plan.unmanaged.length > 0) {
    lines.push(bold('Not in accounts.yaml (reported, left alone):'));
    for (const u of plan.unmanaged) lines.push(`  ? ${unmanagedText(u)}`);
    lines.push('');
  }
  if (plan.inProgress?.length) {
    lines.push(bold('Under way at AWS, as accounts.yaml wants (no change for apply to make):'));
    for (const p of plan.inProgress) lines.push(`  … ${p.description}`);
    lines.push('');
  }
  if (plan.unreadable?.length) {
    lines.push(bold('Accounts lz could not read (their state is unknown: nothing is planned inside them; run lz again once fixed):'));
    for (const u of plan.unreadable) {
      lines.push(`  ${paint(31, 'x')} ${u.address}: ${u.reason}`);
      if (u.hint) lines.push(...wrap(`hint: ${u.hint}`, 96).map((l) => `      ${l}`));
    }
    lines.push('');
  }
  if (plan.pendingSecrets?.length) {
    lines.push(paint(31, bold('Console passwords a run wrote and did not confirm (it stopped around the call that set them):')));
    lines.push(...pendingSecretsText(plan.pendingSecrets).map((l) => `  ${l}`), '');
  }
  lines.push(summaryLine(plan));
  const notice = unverifiableNotice(plan);
  if (notice) lines.push(notice);
  return `${lines.join('\n')}\n`;
}

/** What the plan's last line says, as data: `lz plan --json` carries it as `summary`. */
export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  /** Manual steps shown (those lz can verify). */
  manual: number;
  /** Manual steps lz can never verify, and the accounts they are in. */
  unverifiable: number;
  unmanaged: number;
  /** Of those, things lz manages that the file no longer names: `--prune` removes them. */
  prunable: number;
  /** Accounts that could not be read: their state is unknown, and the plan is incomplete. */
  unreadable: number;
  pendingSecrets: number;
  /** False when some account could not be read. */
  complete: boolean;
  /** The summary as the text plan prints it. */
  text: string;
}

export function planSummary(plan: Plan): PlanSummary {
  const n = countChanges(plan);
  const unreadable = plan.unreadable?.length ?? 0;
  const prunable = plan.unmanaged.filter((u) => u.prunable).length;
  const manual = visibleManual(plan).length;
  const counts = {
    add: n.add,
    change: n.change,
    destroy: n.destroy,
    manual,
    unverifiable: plan.manual.length - manual,
    unmanaged: plan.unmanaged.length,
    prunable,
    unreadable,
    pendingSecrets: plan.pendingSecrets?.length ?? 0,
    complete: unreadable === 0,
  };
  return { ...counts, text: summaryLine(plan) };
}

/** The plan as `lz plan --json` and `--out` write it: the plan, and its summary as data. */
export function planJson(plan: Plan): string {
  return `${JSON.stringify({ ...plan, summary: planSummary(plan) }, null, 2)}\n`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function summaryLine(plan: Plan): string {
  const n = countChanges(plan);
  const unreadable = plan.unreadable?.length ?? 0;
  const manual = visibleManual(plan).length;
  const prunable = plan.unmanaged.filter((u) => u.prunable).length;
  const pending = plan.pendingSecrets?.length ?? 0;
  const parts: string[] = [];
  const counts = `${n.add} to add, ${n.change} to change, ${n.destroy} to destroy`;
  if (unreadable > 0) {
    // Never "matches accounts.yaml": what those accounts hold is not known.
    parts.push(`Plan incomplete: ${unreadable} account${unreadable === 1 ? '' : 's'} could not be read, so ${unreadable === 1 ? 'its' : 'their'} state is unknown (see above). In what was read: ${counts}.`);
  } else if (n.add + n.change + n.destroy === 0) parts.push('No changes. Your organization matches accounts.yaml.');
  else parts.push(`Plan: ${counts}.`);
  if (manual > 0) parts.push(`${plural(manual, 'manual step')} (see above; lz plan --manual for the checklist).`);
  if (prunable > 0) parts.push(`${plural(prunable, 'thing')} accounts.yaml no longer names ${prunable === 1 ? 'is' : 'are'} left alone: lz plan --prune removes ${prunable === 1 ? 'it' : 'them'}.`);
  if (pending > 0) parts.push(`${plural(pending, 'console password')} not confirmed (see above).`);
  return parts.join(' ');
}

/** What to do with `<user>.txt.pending` files, line by line (plan and apply print them until they are gone). */
export function pendingSecretsText(files: readonly string[]): string[] {
  return [
    ...files.map((f) => `! ${f}`),
    'Each holds the password lz sent. If that user has a console password nobody knows (the call went through),',
    'the file holds it: rename it without .pending and hand it over. If the user has none, delete the file; lz',
    'apply makes a new password. Either way lz mentions the file until it is gone.',
  ];
}

interface ManualGroup {
  step: string;
  count: number;
  /** The accounts (or addresses, for organization-level steps) it is in, in plan order. */
  where: string[];
}

/** The plan's visible manual steps, one group per kind of step (`step`, else the resource kind). */
export function manualGroups(plan: Pick<Plan, 'manual'>): ManualGroup[] {
  const groups = new Map<string, ManualGroup>();
  for (const c of visibleManual(plan)) {
    const step = c.step ?? c.kind;
    const g = groups.get(step) ?? { step, count: 0, where: [] };
    g.count++;
    const where = c.account ?? c.address;
    if (!g.where.includes(where)) g.where.push(where);
    groups.set(step, g);
  }
  return [...groups.values()];
}

/** Something AWS has and the file does not name, as the plans say it. */
export function unmanagedText(u: Unmanaged): string {
  return `${u.description}${u.prunable && !/--prune/.test(u.description) ? ' (--prune removes it)' : ''}`;
}

/** Names in a line, at most `max` of them and how many more. */
export function listed(names: readonly string[], max = 6): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/**
 * One line of what a change does, apart from how it is printed: the text plan indents it under the address,
 * the Markdown plan puts `mark` in a diff block's first column so that GitHub colours it.
 */
export interface DetailLine {
  /** Set on the lines of an update (`~` changed, `+` added, `-` removed, ` ` unchanged context); a create's or delete's lines have none. */
  mark?: '+' | '-' | '~' | ' ';
  /** A line of a document's diff, under its field's line. */
  nested?: boolean;
  text: string;
}

/** What a change does, line by line: the fields of an update, the attributes a create sets or a delete removes. */
export function detailLines(change: Change): DetailLine[] {
  if (change.action === 'update' && change.fields) return change.fields.flatMap(fieldLines);
  if (change.action === 'create') return attributes(change.after).map((text) => ({ text }));
  if (change.action === 'delete') return attributes(change.before).map((text) => ({ text }));
  return [];
}

function fieldLines(f: FieldChange): DetailLine[] {
  if (!f.note && isStructured(f.before) && isStructured(f.after) && Math.max(formatValue(f.before).length, formatValue(f.after).length) > LINE_WIDTH - 20) {
    // A policy document changed in one statement reads as a diff of its lines, not as two walls of text.
    const diff = lineDiff(JSON.stringify(f.before, null, 2).split('\n'), JSON.stringify(f.after, null, 2).split('\n'));
    return [{ mark: '~', text: `${f.field}:` }, ...diff.map((l) => ({ mark: l[0] as DetailLine['mark'], nested: true, text: l.slice(2) }))];
  }
  return [scalarFieldLine(f)];
}

const isStructured = (v: unknown) => typeof v === 'object' && v !== null;

/** Lines as a unified diff body (`-` removed, `+` added, two spaces kept), by longest common subsequence. */
export function lineDiff(before: string[], after: string[]): string[] {
  const n = before.length;
  const m = after.length;
  const common: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) common[i]![j] = before[i] === after[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push(`  ${before[i++]}`);
      j++;
    } else if (i < n && (j >= m || common[i + 1]![j]! >= common[i]![j + 1]!)) out.push(`- ${before[i++]}`);
    else out.push(`+ ${after[j++]}`);
  }
  return out;
}

function scalarFieldLine(f: FieldChange): DetailLine {
  const value = (v: unknown) => (f.note ? `(${f.note})` : formatValue(v));
  if (f.before === null || f.before === undefined) return { mark: '+', text: `${f.field} = ${value(f.after)}` };
  if (f.after === null || f.after === undefined) return { mark: '-', text: `${f.field} = ${formatValue(f.before)}` };
  return { mark: '~', text: `${f.field}: ${value(f.before)} -> ${value(f.after)}` };
}

function attributes(value: unknown): string[] {
  if (!value || typeof value !== 'object') return value === null || value === undefined ? [] : [formatValue(value)];
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.flatMap(([k, v]) => {
    const head = `${k.padEnd(width)} = `;
    const one = formatValue(v);
    if (one.length + head.length <= LINE_WIDTH || typeof v !== 'object' || v === null) return [`${head}${one}`];
    // A policy document or a list of alerts on one line cannot be reviewed: show it as an indented block.
    const [first, ...rest] = block(v);
    return [`${head}${first}`, ...rest.map((l) => `${' '.repeat(width + 3)}${l}`)];
  });
}

const LINE_WIDTH = 110;

/** Nested values one per line, HCL-like, so a reviewer can read a policy statement by statement. */
function block(v: unknown): string[] {
  if (Array.isArray(v)) {
    if (formatValue(v).length <= LINE_WIDTH - 8) return [formatValue(v)];
    return ['[', ...v.flatMap((x) => indent(block(x), ',')), ']'];
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (formatValue(v).length <= LINE_WIDTH - 8) return [formatValue(v)];
    return [
      '{',
      ...entries.flatMap(([k, x]) => {
        const inner = block(x);
        return indent([`${k} = ${inner[0]}`, ...inner.slice(1)], '');
      }),
      '}',
    ];
  }
  return [formatValue(v)];
}

function indent(lines: string[], trailer: string): string[] {
  return lines.map((l, i) => `  ${l}${i === lines.length - 1 ? trailer : ''}`);
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, x]) => `${k} = ${formatValue(x)}`).join(', ')} }`;
  }
  return String(v);
}

/** Words into lines of at most `width` characters (instructions, checklists). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
