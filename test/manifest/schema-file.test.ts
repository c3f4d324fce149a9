import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/write-schema.js';
import { generateJsonSchema as generate } from '../../src/manifest/json-schema.js';
import { defaultSections } from '../../src/resources/registry.js';

const generateJsonSchema = () => generate(defaultSections);

const committed = 'docs/accounts.schema.json';
const dir = mkdtempSync(join(tmpdir(), 'lz-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink() {
  let text = '';
  return {
    write: (t: string) => {
      text += t;
    },
    text: () => text,
  };
}

describe('docs/accounts.schema.json', () => {
  it('is what the manifest frame and the modules\' sections generate today (run `npm run schema` after changing either)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(generateJsonSchema());
  });

  it('describes the manifest for editors: strict objects, AWS ranges, defaults', () => {
    const schema = JSON.parse(generateJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['organization', 'accounts']);
    const text = JSON.stringify(schema);
    expect(text).toContain('"minimum":6');
    expect(text).toContain('"maximum":1095');
    expect(text).toContain('"default":"OrganizationAccountAccessRole"');
  });

  it('check mode passes on a fresh file and fails on a stale or missing one', async () => {
    const file = join(dir, 'schema.json');
    const out = sink();
    const err = sink();
    expect(await main([file], out, err)).toBe(0);
    expect(await main(['--check', file], out, err)).toBe(0);
    writeFileSync(file, generateJsonSchema().replace('"minimum": 6', '"minimum": 8'));
    expect(await main(['--check', file], out, err)).toBe(1);
    expect(err.text()).toContain('out of date');
    expect(await main(['--check', join(dir, 'missing.json')], out, err)).toBe(1);
    expect(err.text()).toContain('missing');
  });
});
