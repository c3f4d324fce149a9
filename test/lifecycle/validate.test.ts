import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lineOf, manifestErrors } from '../helpers/manifest-errors.js';
import { parseManifest } from '../../src/manifest/index.js';
import { defaultSections } from '../../src/resources/registry.js';

/** What `lz validate` says about an account's id and its closing, without AWS, at the line that says it. */

function load(text: string) {
  return parseManifest(text, 'accounts.yaml', defaultSections, { dir: tmpdir() });
}
const errorsOf = manifestErrors;

const file = (accounts: string, org = '') => `organization:\n  management: General\n  units: [Workloads]\n${org}accounts:\n${accounts}`;

describe('validate: account ids and closing', () => {
  it('refuses closing the management account', () => {
    const text = file('  - { name: General, email: aws+general@example.com, closed: true }\n');
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.code, e.location?.line])).toEqual([['manifest.close-management', lineOf(text, 'name: General')]]);
    expect(errors[0]!.message).toMatch(/the management account "General" cannot be closed/);
  });

  it('refuses an id written as a number (YAML would drop its leading zero), one of the wrong length, and one used twice', () => {
    const text = file(
      [
        '  - { name: General, email: aws+general@example.com, id: "000000000001" }',
        '  - { name: A, email: aws+a@example.com, id: 012345678901 }',
        '  - { name: B, email: aws+b@example.com, id: "12345" }',
        '  - { name: C, email: aws+c@example.com, id: "000000000001" }',
        '',
      ].join('\n'),
    );
    const errors = errorsOf(text).map((e) => [e.location?.line, `${e.message} (${e.hint})`]);
    expect(errors).toEqual([
      [lineOf(text, 'name: A'), expect.stringMatching(/id must be a string, not the number 12345678901 \(put the value in quotes/)],
      [lineOf(text, 'name: B'), expect.stringMatching(/must be a 12-digit account id/)],
      [lineOf(text, 'name: C'), expect.stringMatching(/account id 000000000001 is already used by accounts\[0\]/)],
    ]);
  });

  it('keeps a closed account in the quarantine unit, which the file then has, under the deny-all policy counted with the others', () => {
    const loaded = load(file('  - { name: General, email: aws+general@example.com }\n  - { name: Old, email: aws+old@example.com, unit: Workloads, closed: true }\n', '  quarantineUnit: Retired\n'));
    const old = loaded.accounts.find((a) => a.name === 'Old')!;
    expect(old).toMatchObject({ closed: true, unit: 'Retired' });
    expect(loaded.units).toContain('Retired');
    expect(load(file('  - { name: General, email: aws+general@example.com }\n')).units).not.toContain('Quarantine');
  });
});
