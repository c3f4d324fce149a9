import { ACTION_SYMBOL, countChanges, type Change, type FieldChange, type Plan } from '../core/plan.js';
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
  if (plan.changes.length > 0) {
    lines.push('lz will perform the following actions:', '');
    for (const change of plan.changes) {
      lines.push(`  ${paint(COLOR[change.action], ACTION_SYMBOL[change.action])} ${bold(change.address)}`);
      lines.push(...describe(change).map((l) => `      ${l}`), '');
    }
  }
  // Steps lz can never verify (billing access) are not repeated every run: one closing line counts them.
  const manual = visibleManual(plan);
  if (manual.length > 0) {
    lines.push(bold('Manual steps (lz cannot or must not do these; a person has to):'), '');
    for (const step of manual) {
      lines.push(`  ${paint(COLOR.manual, '!')} ${bold(step.address)}`);
      lines.push(...wrap(step.instructions ?? '', 96).map((l) => `      ${l}`), '');
    }
  }
  if (plan.unmanaged.length > 0) {
    lines.push(bold('Not in accounts.yaml (reported, left alone):'));
    for (const u of plan.unmanaged) lines.push(`  ? ${u.description}`);
    lines.push('');
  }
  if (plan.unreadable?.length) {
    lines.push(bold('Accounts lz could not read (nothing is planned inside them; run lz again once fixed):'));
    for (const u of plan.unreadable) lines.push(`  ${paint(31, 'x')} ${u.address}: ${u.reason}`);
    lines.push('');
  }
  lines.push(summaryLine(plan));
  const notice = unverifiableNotice(plan);
  if (notice) lines.push(notice);
  return `${lines.join('\n')}\n`;
}

export function summaryLine(plan: Plan): string {
  const n = { ...countChanges(plan), manual: visibleManual(plan).length };
  const manual = n.manual > 0 ? ` ${n.manual} manual step${n.manual === 1 ? '' : 's'} (see above).` : '';
  if (n.add + n.change + n.destroy === 0) return `No changes. Your organization matches accounts.yaml.${manual}`;
  return `Plan: ${n.add} to add, ${n.change} to change, ${n.destroy} to destroy.${manual}`;
}

function describe(change: Change): string[] {
  if (change.action === 'update' && change.fields) return change.fields.map(renderField);
  if (change.action === 'create') return attributes(change.after);
  if (change.action === 'delete') return attributes(change.before).map((l) => `${l}  (will be removed)`);
  return [];
}

function renderField(f: FieldChange): string {
  const value = (v: unknown) => (f.note ? `(${f.note})` : formatValue(v));
  if (f.before === null || f.before === undefined) return `+ ${f.field} = ${value(f.after)}`;
  if (f.after === null || f.after === undefined) return `- ${f.field} = ${formatValue(f.before)}`;
  return `~ ${f.field}: ${value(f.before)} -> ${value(f.after)}`;
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
