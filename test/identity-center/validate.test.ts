import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineOf, manifestErrors } from '../helpers/manifest-errors.js';

/** `lz validate` refuses what IAM Identity Center would refuse, before any AWS call, at the line that says it. */

const HEAD = `organization:
  management: General
  units: [Workloads/NonProd, Workloads/Prod]
  identityCenter:
`;
const ACCOUNTS = `accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Dev, email: aws+dev@example.com, unit: Workloads/NonProd }
`;

const errorsOf = manifestErrors;

const manifest = (body: string) => `${HEAD}${body}${ACCOUNTS}`;
const ADMIN = `    permissionSets:
      - { name: Admin, managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess] }
`;

describe('validate: identity center', () => {
  it('accepts a permission set assigned by unit, by account and everywhere', () => {
    expect(errorsOf(manifest(`${ADMIN}    assignments:
      - { group: Administrators, permissionSet: Admin, all: true }
      - { user: alice, permissionSet: Admin, units: [Workloads], accounts: [General] }
`))).toEqual([]);
  });

  it.each([
    { what: 'a session shorter than PT1H', entry: '{ name: Short, sessionDuration: PT30M }', needle: 'Short', message: 'must be an ISO 8601 duration from PT1H to PT12H' },
    { what: 'a session longer than PT12H', entry: '{ name: Long, sessionDuration: PT13H }', needle: 'Long', message: 'PT1H to PT12H' },
    { what: 'a name with a space', entry: '{ name: "Read Only" }', needle: 'Read Only', message: 'must use only letters, digits and + = , . @ _ - (permission set names)' },
    { what: 'a name longer than 32 characters', entry: `{ name: ${'A'.repeat(33)} }`, needle: 'AAAA', message: 'at most 32 characters' },
    { what: 'a managed policy that is no ARN', entry: '{ name: Bad, managedPolicies: [AdministratorAccess] }', needle: 'Bad', message: 'must be a managed policy ARN' },
  ])('refuses $what at its line', ({ entry, needle, message }) => {
    const text = manifest(`    permissionSets:\n      - ${entry}\n`);
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(message);
    expect(errors[0]!.location?.line).toBe(lineOf(text, needle));
  });

  it('refuses more than 20 managed and customer managed policies on one set', () => {
    const policies = Array.from({ length: 21 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join(', ');
    const text = manifest(`    permissionSets:\n      - name: Many\n        managedPolicies: [${policies}]\n`);
    const errors = errorsOf(text);
    expect(errors.map((e) => e.code)).toEqual(['identity-center.too-many-policies']);
    expect(errors[0]!.message).toContain('has 21 managed and customer managed policies; IAM Identity Center allows at most 20');
    expect(errors[0]!.location?.line).toBe(lineOf(text, 'managedPolicies:'));
  });

  it('checks the inline policy: JSON, grammar and AWS\'s 10,240 characters, also from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-ic-'));
    writeFileSync(join(dir, 'broken.json'), '{ "Version": "2012-10-17", ');
    const big = { Version: '2012-10-17', Statement: Array.from({ length: 200 }, (_, i) => ({ Effect: 'Allow', Action: `s3:GetObject${'x'.repeat(40)}${i}`, Resource: '*' })) };
    writeFileSync(join(dir, 'big.json'), JSON.stringify(big));
    const text = manifest(`    permissionSets:
      - { name: NotJson, inlinePolicy: "{ nope" }
      - { name: Principal, inlinePolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: "*", Action: "s3:*", Resource: "*" }] } }
      - { name: Broken, inlinePolicyFile: broken.json }
      - { name: Big, inlinePolicyFile: big.json }
`);
    const errors = errorsOf(text, dir);
    expect(errors.map((e) => [e.code, e.location?.line])).toEqual([
      ['identity-center.inline-policy', lineOf(text, 'NotJson')],
      ['identity-center.inline-policy', lineOf(text, 'name: Principal')],
      ['identity-center.inline-policy', lineOf(text, 'Broken')],
      ['identity-center.inline-too-large', lineOf(text, 'name: Big')],
    ]);
    expect(errors[1]!.message).toContain('an identity policy names no Principal');
    expect(errors[3]!.message).toMatch(/IAM Identity Center allows 10240/);
  });

  it('refuses unknown permission sets, units and accounts in assignments, at their lines', () => {
    const text = manifest(`${ADMIN}    assignments:
      - { group: Administrators, permissionSet: Admn, all: true }
      - { group: Developers, permissionSet: Admin, units: [Workloads/Staging] }
      - { group: Developers, permissionSet: Admin, accounts: [Prodution] }
`);
    expect(errorsOf(text).map((e) => [e.code, e.location?.line])).toEqual([
      ['identity-center.unknown-set', lineOf(text, 'Admn')],
      ['identity-center.unknown-unit', lineOf(text, 'Workloads/Staging')],
      ['identity-center.unknown-account', lineOf(text, 'Prodution')],
    ]);
  });

  it('refuses an assignment with both a group and a user, or with nowhere to go', () => {
    const text = manifest(`${ADMIN}    assignments:
      - { group: Developers, user: bob, permissionSet: Admin, all: true }
      - { group: Developers, permissionSet: Admin }
`);
    const errors = errorsOf(text);
    expect(errors.map((e) => e.location?.line)).toEqual([lineOf(text, 'user: bob'), lineOf(text, 'permissionSet: Admin }')]);
    expect(errors[0]!.message).toContain('give exactly one of group and user');
    expect(errors[1]!.message).toContain('name where: all: true, units or accounts');
  });

  it('refuses a permission set declared twice', () => {
    const text = manifest(`    permissionSets:\n      - { name: Admin }\n      - { name: Admin }\n`);
    const errors = errorsOf(text);
    expect(errors.map((e) => e.code)).toEqual(['identity-center.duplicate-set']);
    expect(errors[0]!.location?.line).toBe(lineOf(text, 'Admin }') + 1);
  });
});
