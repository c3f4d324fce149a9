import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

/**
 * Every file in test/fixtures/bad is a manifest with exactly one mistake. Its first two lines say what is
 * wrong and what lz must report:
 *   # Wrong: <what>.
 *   # expect: line <N>, "<substring of the message or hint>"
 */
const dir = join('test', 'fixtures', 'bad');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((name) => {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    const expectation = /^# expect: line (\d+), "(.*)"$/m.exec(text);
    return { name, file, text, line: expectation ? Number(expectation[1]) : NaN, message: expectation?.[2] ?? '' };
  });

describe('bad manifests', () => {
  it('are many and each says what is wrong and what to expect', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(45);
    for (const f of fixtures) {
      expect(f.text, f.name).toMatch(/^# Wrong: .+\n/);
      expect(Number.isInteger(f.line) && f.message.length > 0, `${f.name} needs an "# expect:" line`).toBe(true);
    }
  });

  it.each(fixtures)('$name', async ({ file, line, message }) => {
    const io = bufferIO();
    const code = await runCli(['validate', '-f', file], io);
    const err = io.err();
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    // The one mistake is reported once, at its line, with a message or hint that names it.
    expect(err).toMatch(/^1 error\.$/m);
    const first = err.split('\n')[0] ?? '';
    expect(first.startsWith(`${file}:${line}:`), `expected ${file}:${line}: in\n${err}`).toBe(true);
    expect(err).toContain(message);
    expect(err).toMatch(/\n {2}hint: \S/);
    expect(err).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });
});
