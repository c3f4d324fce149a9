import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

/** Files that are wrong before they are YAML: made here, at run time, instead of committing them. */
const dir = mkdtempSync(join(tmpdir(), 'lz-hazards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const valid = readFileSync('accounts.yaml', 'utf8');

async function validate(name: string) {
  const io = bufferIO({ cwd: dir });
  const code = await runCli(['validate', '-f', name], io);
  return { code, out: io.out(), err: io.err() };
}

describe('files lz refuses before parsing', () => {
  it.each([
    {
      what: 'non-UTF-8 bytes, reported with byte offset and line',
      name: 'latin1.yaml',
      bytes: Buffer.concat([Buffer.from('organization:\n  management: Gen'), Buffer.from([0xe9]), Buffer.from('ral\n')]),
      message: 'latin1.yaml:2:18: error: invalid UTF-8 at byte offset 31 (line 2)',
    },
    {
      what: 'a truncated multi-byte sequence at the end',
      name: 'truncated.yaml',
      bytes: Buffer.concat([Buffer.from('a: b\nc: '), Buffer.from([0xe2, 0x82])]),
      message: 'truncated.yaml:2:4: error: invalid UTF-8 at byte offset 8 (line 2)',
    },
    { what: 'an empty file', name: 'empty.yaml', bytes: Buffer.alloc(0), message: 'empty.yaml:1:1: error: empty.yaml is empty' },
    { what: 'only whitespace', name: 'blank.yaml', bytes: Buffer.from('\n\n   \n'), message: 'blank.yaml is empty' },
    {
      what: 'a file over 16 MiB',
      name: 'huge.yaml',
      bytes: Buffer.from(`${valid}\n${'# padding\n'.repeat(1_700_000)}`),
      message: 'the limit is 16777216 bytes (16 MiB)',
    },
  ])('$what', async ({ name, bytes, message }) => {
    writeFileSync(join(dir, name), bytes);
    const r = await validate(name);
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
    expect(r.err).toContain('hint:');
    expect(r.out).toBe('');
  });

  it('a directory instead of a file', async () => {
    mkdirSync(join(dir, 'accounts.d'));
    const r = await validate('accounts.d');
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: accounts.d is a directory, not a file');
  });

  it('a missing file, resolved against the working directory', async () => {
    const r = await validate('nope.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: nope.yaml does not exist');
    expect(r.err).toContain('-f FILE');
  });

  it('accepts a file of exactly 16 MiB, and a UTF-8 byte order mark', async () => {
    const body = `\ufeff${valid}`;
    const padded = body + '#'.repeat(16 * 1024 * 1024 - Buffer.byteLength(body) - 1) + '\n';
    expect(Buffer.byteLength(padded)).toBe(16 * 1024 * 1024);
    writeFileSync(join(dir, 'edge.yaml'), padded);
    const r = await validate('edge.yaml');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('reads -f relative to io.cwd, not the process directory', async () => {
    writeFileSync(join(dir, 'accounts.yaml'), valid);
    const r = await validate('accounts.yaml');
    expect(r.code).toBe(0);
    expect(r.out).toContain('accounts.yaml: valid.');
  });
});
