import { describe, expect, it } from 'vitest';
import { insertAccount, pinAccountId, type NewAccountEntry } from '../../src/manifest/edit.js';
import { parseManifest } from '../../src/manifest/index.js';
import { withItems } from '../helpers/items.js';
import { defaultSections } from '../../src/resources/registry.js';

const ALIGNED = `# yaml-language-server: $schema=./docs/accounts.schema.json
organization:
  management: General            # the account that owns the organization
  units: [Workloads/NonProd, Workloads/Prod, Teams]

accounts:
  - { name: General,     email: aws+general@example.com,     alias: example-general }
  - { name: Development, email: aws+development@example.com, unit: Workloads/NonProd }
  - { name: Testing,     email: aws+testing@example.com,     unit: Workloads/NonProd }   # QA
  # - { name: Retired, email: aws+retired@example.com }

# end of file
`;

const BLOCK = `organization: { management: General, units: [Teams] }
accounts:
    -   name: General
        email: aws+general@example.com
        tags:
            cost-centre: "1234"
        # about General

other-notes: keep me
`;

const NO_NEWLINE = `organization:
  management: General
accounts:
  - {name: General, email: aws+general@example.com}`;

const FLOW_LIST = `organization:
  management: General
  units: [Teams]
accounts: [
  { name: General, email: aws+general@example.com },
]
`;

const entry: NewAccountEntry = { name: 'Data', email: 'aws+data@example.com', unit: 'Teams', tags: { team: 'data science', 'cost:centre': '42' }, budget: { amount: 250 } };

/** The edit is only an insertion: the original text is exactly what is left around it. */
function expectInsertionOnly(before: string, after: string, inserted: string, offset: number) {
  expect(after.slice(0, offset)).toBe(before.slice(0, offset));
  expect(after.slice(offset + inserted.length)).toBe(before.slice(offset));
  expect(after.length).toBe(before.length + inserted.length);
}

describe('insertAccount', () => {
  it('adds a flow entry aligned like its neighbours, after the last entry and its comment', () => {
    const r = insertAccount(ALIGNED, { name: 'Data', email: 'aws+data@example.com', unit: 'Teams' }, 'accounts.yaml');
    expectInsertionOnly(ALIGNED, r.text, r.inserted, r.offset);
    expect(r.inserted).toBe('  - { name: Data,        email: aws+data@example.com,        unit: Teams }\n');
    // The keys sit in the columns the entries above use.
    const column = (line: string, key: string) => line.indexOf(`${key}:`);
    const lines = r.text.split('\n');
    const testing = lines.find((l) => l.includes('name: Testing'))!;
    expect(column(r.inserted, 'email')).toBe(column(testing, 'email'));
    expect(column(r.inserted, 'unit')).toBe(column(testing, 'unit'));
    expect(r.text).toContain('unit: Workloads/NonProd }   # QA\n  - { name: Data,');
    expect(r.text).toContain('unit: Teams }\n  # - { name: Retired');
    const m = parseManifest(r.text, 'accounts.yaml', defaultSections);
    expect(m.accounts.map((a) => a.name)).toEqual(['General', 'Development', 'Testing', 'Data']);
    expect(m.accounts[3]).toMatchObject({ email: 'aws+data@example.com', unit: 'Teams' });
  });

  it('writes tags and a budget inside the flow map, quoting what needs it', () => {
    const r = insertAccount(ALIGNED, entry, 'accounts.yaml');
    expectInsertionOnly(ALIGNED, r.text, r.inserted, r.offset);
    expect(r.inserted.split('\n')).toHaveLength(2);
    const data = withItems(parseManifest(r.text, 'accounts.yaml', defaultSections).accounts[3]!);
    expect(data.tags).toEqual({ team: 'data science', 'cost:centre': '42' });
    expect(data.budgets.map((b) => b.amount)).toEqual([250]);
  });

  it('writes a block entry with the indentation of the others, before the blank line that ends the list', () => {
    const r = insertAccount(BLOCK, entry, 'accounts.yaml');
    expectInsertionOnly(BLOCK, r.text, r.inserted, r.offset);
    expect(r.inserted).toBe(
      [
        '    -   name: Data',
        '        email: aws+data@example.com',
        '        unit: Teams',
        '        tags:',
        '            team: data science',
        '            cost:centre: "42"',
        '        budget:',
        '            amount: 250',
        '',
      ].join('\n'),
    );
    expect(r.text).toContain('# about General\n    -   name: Data');
    expect(r.text.endsWith('amount: 250\n\nother-notes: keep me\n')).toBe(true);
    const data = parseManifest(r.text.replace('other-notes: keep me\n', ''), 'accounts.yaml', defaultSections).accounts[1]!;
    expect(data).toMatchObject({ name: 'Data', unit: 'Teams', tags: { team: 'data science', 'cost:centre': '42' } });
  });

  it('handles a file that does not end with a newline', () => {
    const r = insertAccount(NO_NEWLINE, { name: 'Data', email: 'aws+data@example.com' }, 'accounts.yaml');
    expectInsertionOnly(NO_NEWLINE, r.text, r.inserted, r.offset);
    expect(r.text).toBe(`${NO_NEWLINE}\n  - { name: Data, email: aws+data@example.com }`);
    expect(parseManifest(r.text, 'accounts.yaml', defaultSections).accounts).toHaveLength(2);
  });

  it('adds to a flow list on a line of its own', () => {
    const r = insertAccount(FLOW_LIST, { name: 'Data', email: 'aws+data@example.com', unit: 'Teams' }, 'accounts.yaml');
    expectInsertionOnly(FLOW_LIST, r.text, r.inserted, r.offset);
    expect(r.text).toContain('{ name: General, email: aws+general@example.com },\n  { name: Data, email: aws+data@example.com, unit: Teams },\n]');
    expect(parseManifest(r.text, 'accounts.yaml', defaultSections).accounts.map((a) => a.name)).toEqual(['General', 'Data']);
  });
});

describe('pinAccountId', () => {
  it('adds the id after the email, in the entry\'s style, and nothing else', () => {
    const flow = 'accounts:\n  - { name: General, email: g@example.com }   # the payer\n  - { name: Data, email: d@example.com, unit: Teams }\n';
    expect(pinAccountId(flow, 'Data', '012345678901')).toBe('accounts:\n  - { name: General, email: g@example.com }   # the payer\n  - { name: Data, email: d@example.com, id: "012345678901", unit: Teams }\n');
    const block = 'accounts:\n  - name: Data\n    email: d@example.com   # shared mailbox\n    unit: Teams\n';
    expect(pinAccountId(block, 'Data', '012345678901')).toBe('accounts:\n  - name: Data\n    email: d@example.com   # shared mailbox\n    id: "012345678901"\n    unit: Teams\n');
  });

  it('leaves a file alone when the entry is not there or already has an id', () => {
    const text = 'accounts:\n  - { name: Data, email: d@example.com, id: "111111111111" }\n';
    expect(pinAccountId(text, 'Data', '012345678901')).toBeUndefined();
    expect(pinAccountId(text, 'Other', '012345678901')).toBeUndefined();
  });
});
