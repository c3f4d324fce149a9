import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { bufferIO } from '../../src/cli/io.js';
import { DEFAULT_MARKDOWN_LIMIT } from '../../src/engine/render-markdown.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';
import { markdownProblems } from './markdown-structure.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TEAMS = Array.from({ length: 12 }, (_, i) => `Team${String(i + 1).padStart(2, '0')}`);

/** The shipped accounts.yaml with twelve more accounts: a first plan too long for one GitHub comment. */
const manifest = () =>
  `${readFileSync(join(ROOT, 'accounts.yaml'), 'utf8').trimEnd()}\n${TEAMS.map((t) => `  - { name: ${t}, email: aws+${t.toLowerCase()}@example.com, unit: Teams }`).join('\n')}\n`;

describe('lz plan --format markdown on the sandbox', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest());
  });
  afterAll(async () => w.close());

  it('stays under the limit on a long plan, says where the full plan is, and saves all of it with --out', async () => {
    const r = await w.lz('plan', '--format', 'markdown', '--markdown-note', 'the `lz-plan` artifact of this run', '--out', 'plan.json');
    expect(r.code, r.err).toBe(0);
    expect(r.out.length).toBeLessThanOrEqual(DEFAULT_MARKDOWN_LIMIT);
    expect(markdownProblems(r.out)).toEqual([]);
    expect(r.out).toMatch(/\*\*\d+ sections of 17 left out\*\*/);
    expect(r.out).toContain('The full plan is in the `lz-plan` artifact of this run.');
    expect(r.out).not.toContain('Team12.password-policy');
    const saved = JSON.parse(readFileSync(join(w.dir, 'plan.json'), 'utf8')) as { changes: { address: string }[] };
    expect(saved.changes.map((c) => c.address)).toContain('Team12.password-policy');
    // The counts are the whole plan's, sections left out or not.
    expect(r.out).toContain(`| ${saved.changes.length - 1} | 1 | 0 | 0 |`);
  });

  it('points at the file --out saved when no note is given', async () => {
    const r = await w.lz('plan', '--format', 'markdown', '--out', 'saved.json');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('The full plan is in the plan saved to `saved.json` (`lz apply saved.json` applies exactly it).');
  });

  it('never colours Markdown, even on a terminal', async () => {
    const run = async (...args: string[]) => {
      const io = bufferIO({ cwd: w.dir, env: { ...process.env, NO_COLOR: '' }, isTTY: true });
      expect(await runCli(args, io)).toBe(0);
      return io.out();
    };
    expect(await run('plan')).toContain('\x1b[');
    expect(await run('plan', '--format', 'markdown')).not.toContain('\x1b');
  });

  it('refuses options that contradict each other, before any AWS call', async () => {
    const refusals: [string[], string][] = [
      [['--json', '--format', 'markdown'], '--json is --format json; it cannot be combined with --format markdown.'],
      [['--format', 'html'], '--format must be one of text, json, markdown, not "html"'],
      [['--markdown-note', 'the artifact'], '--markdown-note is for --format markdown; this plan is printed as text.'],
      [['--json', '--markdown-note', 'the artifact'], '--markdown-note is for --format markdown; this plan is printed as json.'],
      [['--format', 'markdown', '--markdown-note', 'x'.repeat(501)], '--markdown-note takes at most 500 characters'],
      [['--format', 'markdown', '--manual'], '--manual prints the root-user checklist as text'],
    ];
    for (const [args, message] of refusals) {
      w.sandbox.clearRequests();
      const r = await w.lz('plan', ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toContain(message);
      expect(w.sandbox.requests(), args.join(' ')).toEqual([]);
    }
  });
});
