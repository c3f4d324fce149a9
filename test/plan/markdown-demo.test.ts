import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MARKDOWN_LIMIT } from '../../src/engine/render-markdown.js';
import { lzProcess } from '../helpers/child.js';
import { markdownProblems } from './markdown-structure.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface SavedPlan {
  format: string;
  createdAt: string;
  manifest: { sha256: string };
  organization: { managementAccountId: string };
  changes: { address: string }[];
}

/**
 * The demo's first plan (scripts/demo.mjs: the shipped accounts.yaml on a fresh sandbox) as the pull request
 * comment `lz plan --format markdown` writes, kept in __snapshots__/demo-first-plan.md for a reviewer to read
 * on its own. What differs from run to run (the sandbox's management account id, the time, the file's hash)
 * is replaced with fixed values.
 */
describe('the demo plan as a pull request comment', () => {
  it('is whole, well formed, under the limit, and reads as the snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-md-demo-'));
    copyFileSync(join(ROOT, 'accounts.yaml'), join(dir, 'accounts.yaml'));
    const run = lzProcess(dir, ['plan', '--sandbox', '--format', 'markdown', '--out', 'plan.json']);
    const { code } = await run.exit;
    expect(code, run.err).toBe(0);

    // --out still saves the plan as JSON; stdout is only the comment.
    const saved = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as SavedPlan;
    expect(saved.format).toBe('lz-plan');
    const md = run.out;
    expect(md.startsWith('## lz plan: ')).toBe(true);
    expect(md).not.toContain('Saved the plan');
    expect(md).not.toContain('\x1b');
    expect(md.length).toBeLessThanOrEqual(DEFAULT_MARKDOWN_LIMIT);
    expect(markdownProblems(md)).toEqual([]);
    // Nothing left out: every change the saved plan holds is in the comment.
    expect(md).not.toContain('left out');
    for (const c of saved.changes) expect(md, c.address).toContain(`${c.address}\n`);

    const stable = md
      .replaceAll(saved.organization.managementAccountId, '123456789012')
      .replaceAll(saved.createdAt, '2026-01-01T00:00:00.000Z')
      .replaceAll(saved.manifest.sha256.slice(0, 12), '0123456789ab');
    await expect(stable).toMatchFileSnapshot('./__snapshots__/demo-first-plan.md');
  });
});
