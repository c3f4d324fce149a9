import { LineCounter, isCollection, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';
import { LzError } from '../errors.js';
import { readBoundedFile } from '../files.js';
import type { SourceLocation } from '../errors.js';

/**
 * Organizations allows up to 10,000 accounts; a file naming that many, with overrides, is a few megabytes.
 * Anything far beyond is not a manifest (a wrong -f, a log file) and is refused before it is read.
 */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/**
 * Anchors and aliases are legitimate (sharing one contact block), but a few nested aliases expand to
 * gigabytes ("billion laughs"). A hand-written manifest never needs more than this many alias expansions.
 */
export const MAX_ALIAS_COUNT = 1000;

export type DocPath = readonly (string | number)[];

export interface YamlSource {
  file: string;
  /** The document as plain data (`undefined` when it could not be built). */
  value: unknown;
  /** Problems found while reading and parsing; when non-empty, `value` must not be trusted. */
  errors: LzError[];
  /**
   * Numbers a JavaScript number cannot hold digit for digit: `value` is still built (with the rounded
   * number), so they are reported with every other problem of the file, not instead of them.
   */
  numberErrors: LzError[];
  /** Where the node at `path` starts; for a path that does not exist, the deepest node that does. */
  locate(path: DocPath, opts?: { key?: boolean }): SourceLocation | undefined;
  /** How many leading segments of `path` exist in the document. */
  depth(path: DocPath): number;
}

/** Reads the file with every check that must happen before YAML sees a byte. Throws one LzError. */
export async function readManifestFile(file: string, shownAs: string = file): Promise<string> {
  const bytes = readBoundedFile(file, {
    shownAs,
    what: 'the manifest',
    code: 'manifest',
    maxBytes: MAX_MANIFEST_BYTES,
    hint: 'run lz in the directory that holds accounts.yaml, or pass its path with -f FILE',
  });
  return decodeUtf8(bytes, shownAs);
}

/** Strict UTF-8: a wrong byte is reported with its offset and line instead of being replaced silently. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new LzError('manifest.encoding', `invalid UTF-8 at byte offset ${offset} (line ${line})`, {
      location: { file, line, col: offset - lineStart + 1 },
      hint: 'save the file as UTF-8 (editors call it "UTF-8" or "UTF-8 without BOM")',
    });
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (TextDecoder says only that one exists). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n > b.length - 1) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const second = b[i + 1]!;
    // Overlong forms and UTF-16 surrogates are invalid even when the continuation bytes look right.
    if ((c === 0xe0 && second < 0xa0) || (c === 0xed && second > 0x9f) || (c === 0xf0 && second < 0x90) || (c === 0xf4 && second > 0x8f)) return i;
    i += n + 1;
  }
  return b.length;
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const errors: LzError[] = [];
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  let doc: Document.Parsed | undefined;
  if (text.trim().length === 0) {
    errors.push(
      new LzError('manifest.empty', `${file} is empty`, {
        location: { file, line: 1, col: 1 },
        hint: 'start from the example in docs/manifest.md: organization, defaults and accounts',
      }),
    );
  } else {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
    const reported = new Set<number>();
    for (const e of doc.errors) {
      // One mistake often trips several parser rules at the same spot; the first describes it best.
      if (reported.has(e.pos[0])) continue;
      reported.add(e.pos[0]);
      const duplicate = e.code === 'DUPLICATE_KEY';
      errors.push(
        new LzError(duplicate ? 'manifest.duplicate-key' : 'manifest.yaml-syntax', duplicate ? `duplicate key ${quoteKeyAt(text, e.pos[0])}` : `YAML syntax error: ${e.message}`, {
          location: at(e.pos[0]),
          hint: duplicate
            ? 'a key may appear only once in a mapping; keep one of the two and delete the other'
            : e.code === 'MULTIPLE_DOCS'
              ? 'the manifest is one YAML document; remove the `---` separator and what follows, or merge it'
              : 'fix the YAML at this position; quoting the value often helps',
        }),
      );
    }
    for (const w of doc.warnings) {
      errors.push(
        new LzError('manifest.yaml-syntax', `YAML problem: ${w.message}`, {
          location: at(w.pos[0]),
          hint: 'remove custom tags (`!something`); the manifest uses plain YAML values only',
        }),
      );
    }
  }

  const numberErrors = doc && errors.length === 0 ? inexactNumbers(doc, text, at) : [];

  let value: unknown;
  if (doc && errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const message = (err as Error).message;
      const bomb = /alias count/i.test(message);
      const offending = firstAlias(doc, bomb);
      errors.push(
        new LzError(bomb ? 'manifest.alias-bomb' : 'manifest.yaml-syntax', bomb ? `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}): the document would expand exponentially` : `YAML error: ${message}`, {
          location: offending?.range ? at(offending.range[0]) : { file, line: 1, col: 1 },
          hint: bomb
            ? 'nested anchors and aliases (&a / *a) multiply; write the values out or share them through `defaults`'
            : 'define each anchor (&name) before its alias (*name)',
        }),
      );
    }
    if (errors.length === 0 && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      const what = value === null ? 'nothing (only comments)' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      const empty = value === null;
      errors.push(
        new LzError(empty ? 'manifest.empty' : 'manifest.not-a-mapping', `the top level of ${file} must be a mapping (organization, defaults, accounts), but it is ${what}`, {
          location: doc.contents ? at(doc.contents.range[0]) : { file, line: 1, col: 1 },
          hint: 'start the file with `organization:` at column 1; see docs/manifest.md',
        }),
      );
      value = undefined;
    }
  }

  const walk = (path: DocPath): { node: Node | undefined; keyNode: Node | undefined; depth: number } => {
    if (!doc?.contents) return { node: undefined, keyNode: undefined, depth: 0 };
    let node: Node = doc.contents;
    let keyNode: Node | undefined;
    let depth = 0;
    for (const segment of path) {
      let next: Node | undefined;
      let nextKey: Node | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair) {
          nextKey = pair.key as Node;
          next = (pair.value as Node | null) ?? nextKey;
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        next = (node.items[segment] as Node | undefined) ?? undefined;
      }
      if (!next) break;
      node = next;
      keyNode = nextKey;
      depth++;
    }
    return { node, keyNode, depth };
  };
  const locate = (path: DocPath, opts: { key?: boolean } = {}): SourceLocation | undefined => {
    const { node, keyNode } = walk(path);
    // A mapping or list is named by its key (`alerts:`), which is the line people look for; its first item may
    // be lines below.
    const target = keyNode && (opts.key || isCollection(node)) ? keyNode : node;
    return target?.range ? at(target.range[0]) : undefined;
  };
  const depth = (path: DocPath): number => walk(path).depth;

  return { file, value, errors, numberErrors, locate, depth };
}

/** The first alias in the document (for a bomb), or the first whose anchor is missing. */
function firstAlias(doc: Document.Parsed, any: boolean): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_, alias) {
      if (any || !alias.resolve(doc)) {
        found = alias;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function quoteKeyAt(text: string, offset: number): string {
  const rest = text.slice(offset);
  const m = /^["']?([^"':\n]*)/.exec(rest);
  const key = m?.[1]?.trim();
  return key ? `"${key}"` : 'in a mapping';
}

/**
 * A number in the file must be the number lz works with. YAML numbers become JavaScript doubles, which hold
 * about 15 significant digits: `99999999999999999999999` would silently become 1e23 (and a budget of it
 * something AWS refuses halfway through an apply). Each plain decimal scalar is compared, digit for digit,
 * with the double it became; any difference is an error at its line.
 */
function inexactNumbers(doc: Document.Parsed, text: string, at: (offset: number) => SourceLocation): LzError[] {
  const found: LzError[] = [];
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value !== 'number' || !node.range || node.type !== 'PLAIN') return;
      const source = text.slice(node.range[0], node.range[1]).trim();
      const written = canonicalDecimal(source);
      if (written === undefined || written === canonicalDecimal(plainDecimal(node.value))) return;
      found.push(
        new LzError('manifest.inexact-number', `the number ${source} has more digits than lz can hold exactly (about 15 significant digits); it would be read as ${plainDecimal(node.value)}`, {
          location: at(node.range[0]),
          hint: 'use fewer digits (budget amounts: at most 15 significant digits, e.g. 1000000 or 1234.56)',
        }),
      );
    },
  });
  return found;
}

/** `+0012.500` -> `12.5`, `-0` -> `0`; undefined for anything that is not a plain decimal (hex, exponents, .inf). */
function canonicalDecimal(s: string): string | undefined {
  const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) return undefined;
  const int = m[2]!.replace(/^0+(?=\d)/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return body === '0' ? '0' : `${m[1] === '-' ? '-' : ''}${body}`;
}

/** A double written out in full decimal digits, never in exponent notation. */
export function plainDecimal(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const [mantissa, exp] = s.split(/e/i) as [string, string];
  const e = Number(exp);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const point = (mantissa.replace(/^-/, '').indexOf('.') + 1 || mantissa.replace(/^-/, '').length + 1) - 1 + e;
  const out = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${negative ? '-' : ''}${out}`;
}
