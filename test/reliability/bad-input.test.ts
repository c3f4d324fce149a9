import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'bad');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));

/** The fixture's own statement of where the error is (`# expect: line N, "message"`). */
function expectation(file: string): { line?: number } {
  const m = /# expect: line (\d+)/.exec(readFileSync(join(FIXTURES, file), 'utf8'));
  return m ? { line: Number(m[1]) } : {};
}

/**
 * Bad input must never reach AWS: every malformed manifest, given to the commands that write, exits 1
 * with the file and line, no stack trace, and the sandbox sees no request at all.
 */
describe('bad input makes no AWS call', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => w.close());

  it('has at least 60 malformed manifests to try', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
  });

  for (const command of [['plan'], ['apply', '--auto-approve']]) {
    it(`${command[0]}: every malformed manifest exits 1 with file:line and no request`, async () => {
      for (const fixture of fixtures) {
        copyFileSync(join(FIXTURES, fixture), join(w.dir, 'accounts.yaml'));
        w.sandbox.clearRequests();
        const r = await w.lz(...command);
        expect(r.code, fixture).toBe(1);
        const { line } = expectation(fixture);
        if (line) expect(r.err, fixture).toContain(`accounts.yaml:${line}:`);
        expect(r.err, fixture).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
        expect(r.err, fixture).not.toContain('internal error');
        expect(w.sandbox.requests(), fixture).toEqual([]);
      }
    });
  }

  const generated: [string, (path: string) => void, string][] = [
    ['a 50 MB file', (p) => {
      const fd = openSync(p, 'w');
      ftruncateSync(fd, 50 * 1024 * 1024);
      closeSync(fd);
    }, 'the limit is 16777216 bytes'],
    ['non-UTF-8 bytes', (p) => writeFileSync(p, Buffer.from([0x6f, 0x72, 0x67, 0x3a, 0x20, 0xff, 0xfe, 0x0a])), 'UTF-8'],
    ['an empty file', (p) => writeFileSync(p, ''), 'empty'],
    ['a directory', (p) => mkdirSync(p), 'directory'],
  ];
  for (const [what, make, message] of generated) {
    it(`refuses ${what} without a request`, async () => {
      const name = `case-${what.replace(/\W+/g, '-')}.yaml`;
      make(join(w.dir, name));
      w.sandbox.clearRequests();
      const r = await w.lz('apply', '--auto-approve', '-f', name);
      expect(r.code).toBe(1);
      expect(r.err).toContain(message);
      expect(r.err).toContain(name);
      expect(w.sandbox.requests()).toEqual([]);
    });
  }

  it('refuses a missing file without a request', async () => {
    w.sandbox.clearRequests();
    const r = await w.lz('plan', '-f', 'nowhere.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('nowhere.yaml');
    expect(w.sandbox.requests()).toEqual([]);
  });
});

describe('bad command lines', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld();
    w.writeManifest('organization: { management: General }\naccounts:\n  - { name: General, email: aws+general@example.com }\n');
  });
  afterAll(async () => w.close());

  const cases: [string[], RegExp][] = [
    [['plan', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['plan', '--file'], /option '-f, --file <file>' argument missing/],
    [['plan', '--parallelism', 'many'], /--parallelism must be a whole number/],
    [['plan', '--parallelism', '0'], /--parallelism must be a whole number/],
    [['plan', '--target'], /argument missing/],
    [['plan', '--target', 'Nobody'], /--target names no account in accounts.yaml: Nobody/],
    [['apply', 'missing-plan.json'], /missing-plan.json does not exist/],
    [['apply', '--create-timeout', 'soon', '--auto-approve'], /--create-timeout must be a positive number/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['validate', 'extra'], /too many arguments/],
    [['apply', 'plan.json', '--target', 'General'], /--target, --prune and --allow-close belong to the plan/],
    [['apply', 'plan.json', '--allow-close'], /--target, --prune and --allow-close belong to the plan/],
  ];
  for (const [args, message] of cases) {
    it(`lz ${args.join(' ')}`, async () => {
      w.sandbox.clearRequests();
      const r = await w.lz(...args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).not.toContain('internal error');
      expect(w.sandbox.requests()).toEqual([]);
    });
  }
});
