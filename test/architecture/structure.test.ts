import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sectionsOf } from '../../src/core/module.js';
import { defaultRegistry } from '../../src/resources/registry.js';

const ROOT = join(import.meta.dirname, '..', '..');

const depcruise = (target: string, cwd = ROOT) => {
  try {
    const bin = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
    return { code: 0, out: execFileSync(process.execPath, [bin, target, '--config', join(ROOT, '.dependency-cruiser.cjs')], { encoding: 'utf8', cwd }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
};

describe('the structure of src/', () => {
  it('has no import cycle and keeps its layers (core below engine and kinds; the sandbox alone)', () => {
    const result = depcruise('src');
    expect(result.out).not.toContain('error');
    expect(result.code).toBe(0);
  });

  it('fails the check on an import cycle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-cycle-'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = (): unknown => b;\n");
    writeFileSync(join(dir, 'b.ts'), "import { a } from './a.js';\nexport const b = (): unknown => a;\n");
    const result = depcruise(dir);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('no-circular');
  });

  it("fails the check when a layer is crossed (the sandbox importing lz's contract)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-layers-'));
    mkdirSync(join(dir, 'src', 'sandbox'), { recursive: true });
    mkdirSync(join(dir, 'src', 'core'), { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions":{"module":"NodeNext","moduleResolution":"NodeNext"}}');
    writeFileSync(join(dir, 'src', 'core', 'b.ts'), 'export const b = 1;\n');
    writeFileSync(join(dir, 'src', 'sandbox', 'a.ts'), "import { b } from '../core/b.js';\nexport const a = (): unknown => b;\n");
    const result = depcruise('src', dir);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('sandbox-stands-alone: src/sandbox/a.ts → src/core/b.ts');
  });

  it('names no kind and no section of the file in the engine', () => {
    const sections = sectionsOf(defaultRegistry);
    // `organization` is also the document's top-level key and the plan's own field, so as a word it cannot be
    // told from the kind; that no change of that kind is singled out is what the `kind` rule below checks.
    const kinds = [...defaultRegistry.organization, ...defaultRegistry.account].map((m) => m.kind).filter((k) => k !== 'organization');
    const keys = [...sections.account, ...sections.organization].map((s) => s.key);
    expect(kinds.length + keys.length).toBeGreaterThan(25);
    const quoted = (text: string, n: string) => text.includes(`'${n}'`) || text.includes(`"${n}"`);
    const engine = readdirSync('src/engine').filter((f) => f.endsWith('.ts'));
    const found = engine.flatMap((file) => {
      const text = readFileSync(join('src/engine', file), 'utf8');
      return [...kinds.filter((n) => quoted(text, n)), ...keys.filter((n) => quoted(text, n) || new RegExp(`\\.${n}\\b`).test(text))].map((n) => `${file}: ${n}`);
    });
    expect(found).toEqual([]);
    const branches = engine.filter((file) => /\bkind\s*(?:===|!==|:)\s*['"`]/.test(readFileSync(join('src/engine', file), 'utf8')));
    expect(branches).toEqual([]);
  });
});
