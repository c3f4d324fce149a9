import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sectionsOf } from '../../src/core/module.js';
import { defaultRegistry } from '../../src/resources/registry.js';

const depcruise = (target: string) => {
  try {
    return { code: 0, out: execFileSync(process.execPath, ['node_modules/dependency-cruiser/bin/dependency-cruise.mjs', target, '--config', '.dependency-cruiser.cjs'], { encoding: 'utf8' }) };
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
