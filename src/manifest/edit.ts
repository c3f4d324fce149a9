import { Document, isMap, isPair, isScalar, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';
import { LzError } from '../errors.js';

/** The fields `lz onboard` writes for a new account, in the order they are written. */
export interface NewAccountEntry {
  name: string;
  email: string;
  unit?: string;
  alias?: string;
  tags?: Record<string, string>;
  budget?: { amount: number };
}

export interface Insertion {
  /** The whole new text: `text.slice(0, offset) + inserted + text.slice(offset)`. */
  text: string;
  inserted: string;
  offset: number;
}

/**
 * Adds one account at the end of `accounts:` without touching a byte of the rest of the file. The YAML
 * Document API finds where the list is, how its entries are indented and whether they are flow maps
 * (`- { name: ..., email: ... }`) or block maps; the new entry is written in the same style (flow maps
 * aligned like their neighbours when those are aligned) and spliced into the original text. Re-stringifying
 * the whole document would normalise spacing and move comments; splicing cannot.
 */
export function insertAccount(text: string, entry: NewAccountEntry, file: string): Insertion {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new LzError('manifest.yaml', `${file} is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  const seq = isMap(doc.contents) ? doc.contents.get('accounts', true) : undefined;
  if (!isSeq(seq) || seq.items.length === 0 || !seq.range) {
    throw new LzError('onboard.no-accounts', `${file} has no accounts: list to add to`, { hint: 'the file needs an `accounts:` list with the management account in it' });
  }
  const last = seq.items[seq.items.length - 1] as Node;
  if (!last.range) throw new LzError('onboard.no-accounts', `${file}: cannot tell where the accounts list ends`);
  const [itemStart, valueEnd, nodeEnd] = last.range;
  const value = toPlain(entry);

  if (seq.flow) {
    // `accounts: [ {...}, {...} ]`: after the last entry, on a line of its own when the entries have theirs.
    const multiline = text.slice(seq.range[0], seq.range[1]).includes('\n');
    const lineStart = text.lastIndexOf('\n', itemStart - 1) + 1;
    const indent = text.slice(lineStart, itemStart).match(/^[ \t]*/)?.[0] ?? '';
    const inserted = `${multiline ? `,\n${indent}` : ', '}${flowText(value)}`;
    return splice(text, valueEnd, inserted);
  }

  // A block list: after the last entry and whatever comments belong to it, before blank lines that follow.
  let offset = nodeEnd;
  while (offset > valueEnd && /\n[ \t]*\n$/.test(text.slice(valueEnd, offset))) offset = text.lastIndexOf('\n', offset - 2) + 1;
  const lineStart = text.lastIndexOf('\n', itemStart - 1) + 1;
  const lead = text.slice(lineStart, itemStart);
  const dash = /^[ \t]*-[ \t]+$/.test(lead) ? lead : `${' '.repeat(column(text, seq.range[0]))}- `;
  const body = isMap(last) && last.flow ? alignedFlow(text, seq.items as Node[], value, dash.length) : blockText(value, dash.length, indentUnit(text, last));
  const needsNewline = offset > 0 && text[offset - 1] !== '\n';
  const inserted = `${needsNewline ? '\n' : ''}${dash}${body}${needsNewline ? '' : '\n'}`;
  return splice(text, offset, inserted);
}

/**
 * Pins an entry to its account id once it is known (`lz onboard --apply` after creating it): `id: "..."` is
 * added after the entry's email, in the entry's own style, every other byte of the file unchanged. Undefined
 * when the file has no such entry or it already names an id.
 */
export function pinAccountId(text: string, name: string, id: string): string | undefined {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const seq = isMap(doc.contents) ? doc.contents.get('accounts', true) : undefined;
  if (!isSeq(seq)) return undefined;
  const entry = seq.items.find((item): item is YAMLMap => isMap(item) && item.get('name') === name);
  if (!entry || entry.has('id')) return undefined;
  const email = entry.items.find((pair) => isScalar(pair.key) && pair.key.value === 'email');
  const value = email && isScalar(email.value) ? email.value : undefined;
  if (!value?.range || !isScalar(email?.key) || !email.key.range) return undefined;
  const quoted = JSON.stringify(id);
  if (entry.flow) return splice(text, value.range[1], `, id: ${quoted}`).text;
  // A block map: a line of its own under the email, at the same column as the email's key.
  const lineEnd = text.indexOf('\n', value.range[1]);
  const at = lineEnd < 0 ? text.length : lineEnd;
  return splice(text, at, `\n${' '.repeat(column(text, email.key.range[0]))}id: ${quoted}`).text;
}

function splice(text: string, offset: number, inserted: string): Insertion {
  return { text: text.slice(0, offset) + inserted + text.slice(offset), inserted, offset };
}

function toPlain(entry: NewAccountEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { name: entry.name, email: entry.email };
  if (entry.unit) out.unit = entry.unit;
  if (entry.alias) out.alias = entry.alias;
  if (entry.tags && Object.keys(entry.tags).length > 0) out.tags = entry.tags;
  if (entry.budget) out.budget = entry.budget;
  return out;
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function flowText(value: Record<string, unknown>): string {
  const doc = new Document(value);
  (doc.contents as YAMLMap).flow = true;
  return doc.toString({ lineWidth: 0 }).trimEnd();
}

/** How far nested maps are indented in the file (2 unless an existing entry says otherwise). */
function indentUnit(text: string, last: Node): number {
  if (!isMap(last)) return 2;
  for (const pair of last.items) {
    if (isPair(pair) && isMap(pair.value) && !pair.value.flow && pair.value.range && isScalar(pair.key) && pair.key.range) {
      const n = column(text, pair.value.range[0]) - column(text, pair.key.range[0]);
      if (n > 0) return n;
    }
  }
  return 2;
}

function blockText(value: Record<string, unknown>, contentColumn: number, indent: number): string {
  const lines = new Document(value).toString({ lineWidth: 0, indent }).trimEnd().split('\n');
  return lines.map((l, i) => (i === 0 ? l : `${' '.repeat(contentColumn)}${l}`)).join('\n');
}

/**
 * A flow map like its neighbours: where at least two existing entries start a key at the same column
 * (`{ name: General,     email: ...` aligned under each other), the new entry pads to that column too.
 */
function alignedFlow(text: string, items: Node[], value: Record<string, unknown>, prefix: number): string {
  const columns = new Map<string, Set<number>>();
  const counts = new Map<string, number>();
  for (const item of items) {
    if (!isMap(item) || !item.flow) continue;
    item.items.forEach((pair, i) => {
      if (i === 0 || !isScalar(pair.key) || !pair.key.range) return;
      const key = String(pair.key.value);
      columns.set(key, (columns.get(key) ?? new Set()).add(column(text, pair.key.range[0])));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
  }
  let out = flowText(value);
  const parsed = parseDocument(out);
  if (!isMap(parsed.contents)) return out;
  let shift = 0;
  for (const pair of parsed.contents.items) {
    if (!isScalar(pair.key) || !pair.key.range) continue;
    const key = String(pair.key.value);
    const cols = columns.get(key);
    if (!cols || cols.size !== 1 || (counts.get(key) ?? 0) < 2) continue;
    const target = [...cols][0] ?? 0;
    const at = pair.key.range[0] + shift;
    const pad = target - (prefix + at);
    if (pad > 0) {
      out = out.slice(0, at) + ' '.repeat(pad) + out.slice(at);
      shift += pad;
    }
  }
  return out;
}
