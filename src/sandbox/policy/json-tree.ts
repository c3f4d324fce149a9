/**
 * A JSON parser that keeps where each value is in the text: Access Analyzer's findings point at the element
 * they are about (a path and a span of line, column and offset). JSON.parse keeps no positions.
 */

export type JsonNode =
  | { kind: 'object'; start: number; end: number; entries: { key: string; keyStart: number; value: JsonNode }[] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'string'; start: number; end: number; value: string }
  | { kind: 'number' | 'boolean' | 'null'; start: number; end: number; value: unknown };

export class JsonSyntaxError extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}

export function parseJsonTree(text: string): JsonNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new JsonSyntaxError(Math.min(i, text.length));
  };
  const literal = (word: string, value: unknown, kind: 'boolean' | 'null'): JsonNode => {
    if (!text.startsWith(word, i)) fail();
    const start = i;
    i += word.length;
    return { kind, start, end: i, value };
  };
  const string = (): { value: string; start: number; end: number } => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    try {
      return { value: JSON.parse(text.slice(start, i)) as string, start, end: i };
    } catch {
      i = start;
      return fail();
    }
  };
  const value = (): JsonNode => {
    ws();
    const c = text[i];
    if (c === '{') {
      const start = i++;
      const entries: { key: string; keyStart: number; value: JsonNode }[] = [];
      ws();
      if (text[i] === '}') return { kind: 'object', start, end: ++i, entries };
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        entries.push({ key: key.value, keyStart: key.start, value: value() });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return { kind: 'object', start, end: ++i, entries };
        fail();
      }
    }
    if (c === '[') {
      const start = i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') return { kind: 'array', start, end: ++i, items };
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return { kind: 'array', start, end: ++i, items };
        fail();
      }
    }
    if (c === '"') return { kind: 'string', ...string() };
    if (c === 't') return literal('true', true, 'boolean');
    if (c === 'f') return literal('false', false, 'boolean');
    if (c === 'n') return literal('null', null, 'null');
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) return fail();
    const start = i;
    i += m[0].length;
    return { kind: 'number', start, end: i, value: Number(m[0]) };
  };
  const root = value();
  ws();
  if (i < text.length) fail();
  return root;
}

/** Line (from 1) and column (from 0) of an offset, as Access Analyzer's positions count them. */
export function positionOf(text: string, offset: number): { line: number; column: number; offset: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart, offset };
}
