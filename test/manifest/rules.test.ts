import { describe, expect, it } from 'vitest';
import { LzErrors } from '../../src/errors.js';
import { parseManifest } from '../../src/manifest/index.js';
import { defaultSections } from '../../src/resources/registry.js';
import type { LoadedManifest } from '../../src/manifest/index.js';
import { mergeOverride } from '../../src/manifest/merge.js';
import { expandUnits } from '../../src/manifest/resolve.js';
import { editDistance, suggest } from '../../src/manifest/suggest.js';
import { withItems } from '../helpers/items.js';

const HEAD = `organization:
  management: General
  units: [Workloads/NonProd, Workloads/Prod, Teams]
`;
const BASE_DEFAULTS = `defaults:
  iamAdmin: { user: IAMADMIN }
  passwordPolicy: { minimumLength: 16, maxPasswordAge: 90 }
  budget: { name: monthly-cost, amount: 100, alerts: [ { at: 80 }, { at: 100, type: FORECASTED } ], notify: [finops@example.com] }
  contacts:
    security: { name: Sec, title: CISO, email: security@example.com, phone: "+1 555 0100" }
    billing: { name: Fin, title: CFO, email: finops@example.com, phone: "+1 555 0101" }
  tags: { owner: platform, cost-center: "42" }
`;
const GENERAL = `  - { name: General, email: aws+general@example.com }\n`;

function load(accountYaml: string, defaults = BASE_DEFAULTS): LoadedManifest {
  return parseManifest(`${HEAD}${defaults}accounts:\n${GENERAL}${accountYaml}`, 'm.yaml', defaultSections);
}
function account(accountYaml: string, defaults = BASE_DEFAULTS) {
  const loaded = load(accountYaml, defaults);
  const last = loaded.accounts[loaded.accounts.length - 1];
  if (!last) throw new Error('no account');
  return withItems(last);
}
function errorsOf(text: string) {
  try {
    parseManifest(text, 'm.yaml', defaultSections);
  } catch (err) {
    if (err instanceof LzErrors) return err.errors;
    throw err;
  }
  throw new Error('expected the manifest to be rejected');
}

describe('merging defaults into accounts', () => {
  it.each([
    {
      rule: 'an account without overrides gets the defaults, field defaults filled',
      yaml: '  - { name: Dev, email: d@example.com }\n',
      check: (a: ReturnType<typeof account>) => {
        expect(a.iamAdmin).toEqual({ user: 'IAMADMIN', group: 'Administrators', policies: ['arn:aws:iam::aws:policy/AdministratorAccess'], consoleAccess: true, requireMfa: true, mfaPolicyName: 'lz-require-mfa', passwordStore: 'local' });
        expect(a.passwordPolicy).toEqual({ minimumLength: 16, requireSymbols: true, requireNumbers: true, requireUppercase: true, requireLowercase: true, allowUsersToChangePassword: true, maxPasswordAge: 90, reusePrevention: 24, hardExpiry: false });
        expect(a.budgets).toEqual([
          {
            name: 'monthly-cost',
            amount: 100,
            currency: 'USD',
            period: 'MONTHLY',
            alerts: [
              { at: 80, type: 'ACTUAL', thresholdType: 'PERCENTAGE', comparison: 'GREATER_THAN', notify: ['finops@example.com'] },
              { at: 100, type: 'FORECASTED', thresholdType: 'PERCENTAGE', comparison: 'GREATER_THAN', notify: ['finops@example.com'] },
            ],
          },
        ]);
        expect(a.billingAccess).toBe(true);
        expect(a.rootCredentials).toBe('keep');
        expect(a.unit).toBeUndefined();
        expect(a.management).toBe(false);
      },
    },
    {
      rule: 'mappings merge deeply, the account wins',
      yaml: '  - { name: Dev, email: d@example.com, budget: { amount: 1000 }, passwordPolicy: { minimumLength: 20 } }\n',
      check: (a: ReturnType<typeof account>) => {
        expect(a.budgets[0]).toMatchObject({ name: 'monthly-cost', amount: 1000 });
        expect(a.budgets[0]?.alerts).toHaveLength(2);
        expect(a.passwordPolicy).toMatchObject({ minimumLength: 20, maxPasswordAge: 90 });
      },
    },
    {
      rule: 'a key the account leaves out keeps the inherited value, not the built-in default',
      yaml: '  - { name: Dev, email: d@example.com, passwordPolicy: { hardExpiry: true } }\n',
      check: (a: ReturnType<typeof account>) => expect(a.passwordPolicy).toMatchObject({ minimumLength: 16, hardExpiry: true }),
    },
    {
      rule: 'lists replace',
      yaml: '  - { name: Dev, email: d@example.com, budget: { alerts: [ { at: 50 } ] }, iamAdmin: { policies: [ "arn:aws:iam::aws:policy/ReadOnlyAccess" ] } }\n',
      check: (a: ReturnType<typeof account>) => {
        expect(a.budgets[0]?.alerts.map((x) => x.at)).toEqual([50]);
        expect(a.iamAdmin?.policies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
      },
    },
    {
      rule: 'null switches an item off',
      yaml: '  - { name: Dev, email: d@example.com, budget: null, iamAdmin: null, passwordPolicy: null }\n',
      check: (a: ReturnType<typeof account>) => {
        expect(a.budgets).toEqual([]);
        expect(a.iamAdmin).toBeUndefined();
        expect(a.passwordPolicy).toBeUndefined();
        expect(a.contacts.security?.email).toBe('security@example.com');
      },
    },
    {
      rule: 'null removes one inherited field (passwords never expire) or one contact',
      yaml: '  - { name: Dev, email: d@example.com, passwordPolicy: { maxPasswordAge: null }, contacts: { billing: null } }\n',
      check: (a: ReturnType<typeof account>) => {
        expect(a.passwordPolicy?.maxPasswordAge).toBeUndefined();
        expect(a.passwordPolicy?.minimumLength).toBe(16);
        expect(a.contacts).toEqual({ security: expect.objectContaining({ name: 'Sec' }) });
      },
    },
    {
      rule: 'one contact field merges over the inherited contact',
      yaml: '  - { name: Dev, email: d@example.com, contacts: { security: { email: dev-sec@example.com } } }\n',
      check: (a: ReturnType<typeof account>) => expect(a.contacts.security).toEqual({ name: 'Sec', title: 'CISO', email: 'dev-sec@example.com', phone: '+1 555 0100' }),
    },
    {
      rule: 'tags merge, the account wins, null removes an inherited tag',
      yaml: '  - { name: Dev, email: d@example.com, tags: { env: dev, owner: data, cost-center: null } }\n',
      check: (a: ReturnType<typeof account>) => expect(a.tags).toEqual({ owner: 'data', env: 'dev' }),
    },
    {
      rule: 'budget comes first, then budgets[]; an alert without notify uses the budget notify',
      yaml: '  - { name: Dev, email: d@example.com, budgets: [ { name: extra, amount: 5, alerts: [ { at: 10, notify: [x@example.com] }, { at: 20 } ], notify: [y@example.com] } ] }\n',
      check: (a: ReturnType<typeof account>) => {
        expect(a.budgets.map((b) => b.name)).toEqual(['monthly-cost', 'extra']);
        expect(a.budgets[1]?.alerts.map((x) => x.notify)).toEqual([['x@example.com'], ['y@example.com']]);
      },
    },
    {
      rule: 'billingAccess and rootCredentials override',
      yaml: '  - { name: Dev, email: d@example.com, billingAccess: false, rootCredentials: keep, unit: Workloads/NonProd }\n',
      check: (a: ReturnType<typeof account>) => expect(a).toMatchObject({ billingAccess: false, rootCredentials: 'keep', unit: 'Workloads/NonProd' }),
    },
    {
      rule: 'an item absent from defaults is given by the account alone, with field defaults',
      yaml: '  - { name: Dev, email: d@example.com, contactInformation: { fullName: Jo, addressLine1: 1 Main St, city: Oslo, postalCode: "0150", countryCode: NO, phoneNumber: "+47 123" } }\n',
      check: (a: ReturnType<typeof account>) => expect(a.contactInformation).toEqual({ fullName: 'Jo', addressLine1: '1 Main St', city: 'Oslo', postalCode: '0150', countryCode: 'NO', phoneNumber: '+47 123' }),
    },
  ])('$rule', ({ yaml, check }) => check(account(yaml)));

  it('with no defaults at all, an account gets no baseline items', () => {
    const a = account('  - { name: Dev, email: d@example.com }\n', '');
    expect(a).toMatchObject({ name: 'Dev', email: 'd@example.com', tags: {}, management: false, index: 1, budgets: [], contacts: {} });
    // Only the two items with a built-in value: billing access on, root credentials kept.
    expect(a.sections).toEqual({ billingAccess: true, rootCredentials: 'keep' });
  });
});

describe('the loaded manifest', () => {
  const loaded = load('  - { name: Prod, email: p@example.com, unit: Workloads/Prod, alias: example-prod }\n');

  it('lists units with implied parents, parents first', () => {
    expect(loaded.units).toEqual(['Teams', 'Workloads', 'Workloads/NonProd', 'Workloads/Prod']);
  });
  it('names the management account and fills organization defaults', () => {
    expect(loaded.management.name).toBe('General');
    expect(loaded.management.management).toBe(true);
    expect(loaded.accounts.map((a) => [a.name, a.index, a.management])).toEqual([
      ['General', 0, true],
      ['Prod', 1, false],
    ]);
    expect(loaded.accessRole).toBe('OrganizationAccountAccessRole');
    expect(loaded.manifest.defaults.budget).toMatchObject({ currency: 'USD' });
    expect(loaded.file).toBe('m.yaml');
  });
  it('locates nodes for later errors', () => {
    expect(loaded.locate(['accounts', 1, 'alias'])).toEqual({ file: 'm.yaml', line: 14, col: 70 });
    expect(loaded.locate(['organization', 'management'])).toEqual({ file: 'm.yaml', line: 2, col: 15 });
  });
  it('lets an account sit in an implied parent OU', () => {
    const m = parseManifest(`organization:\n  management: General\n  units: [Workloads/Prod]\naccounts:\n${GENERAL}  - { name: A, email: a@example.com, unit: Workloads }\n`, 'm.yaml', defaultSections);
    expect(m.accounts[1]?.unit).toBe('Workloads');
    expect(m.units).toEqual(['Workloads', 'Workloads/Prod']);
  });
  it('expands units independently of declaration order', () => {
    expect(expandUnits(['b/c/d', 'a', 'b-x', 'b/a'])).toEqual(['a', 'b', 'b-x', 'b/a', 'b/c', 'b/c/d']);
  });
});

describe('validation rules', () => {
  const doc = (accounts: string, org = '') => `organization:\n  management: General\n  units: [Teams]\n${org}accounts:\n${GENERAL}${accounts}`;
  it.each([
    { rule: 'names are unique case-insensitively', text: doc('  - { name: GENERAL, email: g2@example.com }\n'), message: 'account name "GENERAL" is already used by accounts[0]', path: 'accounts[1].name', line: 6 },
    { rule: 'emails are unique case-insensitively', text: doc('  - { name: B, email: AWS+General@Example.com }\n'), message: 'is already used by accounts[0]', path: 'accounts[1].email', line: 6 },
    { rule: 'aliases are unique', text: doc('  - { name: A, email: a@example.com, alias: abc }\n  - { name: B, email: b@example.com, alias: abc }\n'), message: 'alias "abc" is already used by accounts[1]', path: 'accounts[2].alias', line: 7 },
    { rule: 'an email is at most 64 characters', text: doc(`  - { name: A, email: ${'a'.repeat(53)}@example.com }\n`), message: 'must be at most 64 characters', path: 'accounts[1].email', line: 6 },
    { rule: 'an alias is at most 63 characters', text: doc(`  - { name: A, email: a@example.com, alias: ${'a'.repeat(64)} }\n`), message: 'must be 3-63 lowercase', path: 'accounts[1].alias', line: 6 },
    { rule: 'a 63-character alias is fine but its unit must exist', text: doc(`  - { name: A, email: a@example.com, alias: ${'a'.repeat(63)}, unit: Team }\n`), message: 'did you mean "Teams"', path: 'accounts[1].unit', line: 6 },
    { rule: 'OU paths nest at most 5 levels', text: doc('', '').replace('[Teams]', '[a/b/c/d/e/f]'), message: 'at most 5 levels', path: 'organization.units[0]', line: 3 },
    { rule: 'an OU name is at most 128 characters', text: doc('', '').replace('[Teams]', `[${'x'.repeat(129)}]`), message: 'must be an OU path', path: 'organization.units[0]', line: 3 },
    { rule: 'logArchive names a listed account', text: doc('', '  logArchive: Logs\n'), message: 'log archive account "Logs" is not listed', path: 'organization.logArchive', line: 4 },
    { rule: 'an SNS topic is a valid subscriber, but only one per notification', text: doc('  - { name: A, email: a@example.com, budget: { amount: 1, notify: [ "arn:aws:sns:us-east-1:123456789012:a", "arn:aws:sns:us-east-1:123456789012:b" ] } }\n'), message: 'must have at most one SNS topic', path: 'accounts[1].budget.notify', line: 6 },
    { rule: 'an absolute threshold may exceed 1000', text: doc('  - { name: A, email: a@example.com, budget: { amount: 5000, alerts: [ { at: 2000, thresholdType: ABSOLUTE_VALUE } ] } }\n'), message: 'has nobody to notify', path: 'accounts[1].budget.alerts[0]', line: 6 },
    { rule: 'tags are at most 50', text: doc(`  - { name: A, email: a@example.com, tags: { ${Array.from({ length: 51 }, (_, i) => `k${i}: v`).join(', ')} } }\n`), message: 'must have at most 50 entries', path: 'accounts[1].tags', line: 6 },
    { rule: 'a tag key is at most 128 characters', text: doc(`  - { name: A, email: a@example.com, tags: { ${'k'.repeat(129)}: v } }\n`), message: 'must be at most 128 characters', path: `accounts[1].tags.${'k'.repeat(129)}`, line: 6 },
    { rule: 'a budget name has no colon', text: doc('  - { name: A, email: a@example.com, budget: { name: "a:b", amount: 1 } }\n'), message: 'must not contain ":"', path: 'accounts[1].budget.name', line: 6 },
    { rule: 'currency is three uppercase letters', text: doc('  - { name: A, email: a@example.com, budget: { currency: usd, amount: 1 } }\n'), message: 'must be a 3-letter uppercase currency code', path: 'accounts[1].budget.currency', line: 6 },
    { rule: 'the access role is an IAM name', text: doc('', '  accessRole: "my role"\n'), message: 'must use only letters, digits', path: 'organization.accessRole', line: 4 },
  ])('$rule', ({ text, message, path, line }) => {
    const errors = errorsOf(text);
    const hit = errors.find((e) => e.message.includes(message) || e.hint?.includes(message));
    expect(hit, errors.map((e) => e.message).join('\n')).toBeDefined();
    expect(hit?.path).toBe(path);
    expect(hit?.location?.line).toBe(line);
    expect(hit?.hint).toBeTruthy();
  });

  it('reports every problem at once, in file order', () => {
    const errors = errorsOf(`organization:
  management: Nobody
  units: [Teams, Teams]
defaults:
  passwordPolicy: { minimumLength: 5 }
accounts:
  - { name: General, email: not-an-email, alias: X }
  - { name: general, email: g@example.com, unit: Nowhere, budget: { amount: 0 } }
`);
    expect(errors.map((e) => [e.location?.line, e.path])).toEqual([
      [2, 'organization.management'],
      [3, 'organization.units[1]'],
      [5, 'defaults.passwordPolicy.minimumLength'],
      [7, 'accounts[0].email'],
      [7, 'accounts[0].alias'],
      [8, 'accounts[1].name'],
      [8, 'accounts[1].unit'],
      [8, 'accounts[1].budget.amount'],
    ]);
  });

  it('points an error found after merging at the defaults item that supplied the value', () => {
    const errors = errorsOf(`${HEAD}${BASE_DEFAULTS}accounts:\n${GENERAL}  - { name: A, email: a@example.com, budget: { notify: [] } }\n`);
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => [e.path, e.location?.line])).toEqual([
      ['accounts[1].budget.alerts[0]', 7],
      ['accounts[1].budget.alerts[1]', 7],
    ]);
    expect(errors[0]?.message).toContain('has nobody to notify');
  });

  it('does not repeat a defaults error for every account', () => {
    const errors = errorsOf(`${HEAD}defaults:\n  budget: { amount: -5 }\naccounts:\n${GENERAL}  - { name: A, email: a@example.com }\n`);
    expect(errors.map((e) => e.path)).toEqual(['defaults.budget.amount']);
  });
});

describe('did you mean', () => {
  it.each([
    ['pasword_policy', ['passwordPolicy', 'budget'], 'passwordPolicy'],
    ['Password-Policy', ['passwordPolicy', 'budget'], 'passwordPolicy'],
    ['iam_admin', ['iamAdmin', 'tags'], 'iamAdmin'],
    ['amout', ['amount', 'alerts'], 'amount'],
    ['budgte', ['budget', 'budgets'], 'budget'],
    ['colour', ['name', 'email', 'unit', 'alias', 'tags'], undefined],
    ['x', ['tags'], undefined],
    ['', ['tags'], undefined],
  ])('%s -> %s', (input, candidates, expected) => {
    expect(suggest(input, candidates)).toBe(expected);
  });
  it('counts a transposition as one edit', () => {
    expect(editDistance('budgte', 'budget')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('mergeOverride', () => {
  it.each([
    { base: { a: 1, b: { c: 2, d: 3 } }, over: { b: { c: 9 } }, out: { a: 1, b: { c: 9, d: 3 } } },
    { base: { l: [1, 2] }, over: { l: [3] }, out: { l: [3] } },
    { base: { a: 1, b: 2 }, over: { b: null }, out: { a: 1 } },
    { base: { a: { x: 1 } }, over: null, out: undefined },
    { base: undefined, over: { a: null, b: { c: null, d: 1 } }, out: { b: { d: 1 } } },
  ])('%j', ({ base, over, out }) => {
    expect(mergeOverride(base, over)).toEqual(out);
  });
});

describe('an inexact number', () => {
  it('is reported with every other problem of the file, not instead of them', () => {
    const errors = errorsOf(`${HEAD}accounts:\n${GENERAL}  - { name: A, email: a@example.com, alias: abc, budget: { amount: 99999999999999999999999 } }\n  - { name: B, email: b@example.com, alias: abc }\n`);
    const messages = errors.map((e) => e.message);
    expect(messages.some((m) => m.includes('has more digits than lz can hold exactly'))).toBe(true);
    expect(messages.some((m) => m.includes('alias "abc" is already used'))).toBe(true);
  });
});
