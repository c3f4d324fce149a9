import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateJsonSchema as generate } from '../../src/manifest/json-schema.js';
import { defaultSections } from '../../src/resources/registry.js';

const generateJsonSchema = () => generate(defaultSections);

/** Every key the schema accepts is in the JSON Schema's `properties`; each must be documented. */
function propertyNames(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => propertyNames(n, into));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && value && typeof value === 'object') Object.keys(value).forEach((k) => into.add(k));
      propertyNames(value, into);
    }
  }
  return into;
}

describe('docs/manifest.md', () => {
  const doc = readFileSync('docs/manifest.md', 'utf8');
  const names = [...propertyNames(JSON.parse(generateJsonSchema()))].sort();

  it('finds the keys of the schema', () => {
    expect(names).toEqual(expect.arrayContaining(['organization', 'passwordPolicy', 'minimumLength', 'thresholdType', 'districtOrCounty', 'lock']));
  });

  it.each(names)('documents `%s`', (name) => {
    expect(doc).toContain(`\`${name}\``);
  });

  it('documents every enum value', () => {
    const values = JSON.stringify(JSON.parse(generateJsonSchema())).match(/"enum":\[[^\]]*\]/g) ?? [];
    const all = values.flatMap((v) => JSON.parse(v.slice(7)) as string[]);
    expect(all.length).toBeGreaterThan(8);
    for (const value of all) expect(doc, value).toContain(`\`${value}\``);
  });
});
