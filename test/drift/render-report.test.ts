import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/engine/posture.js';
import type { Plan } from '../../src/core/plan.js';
import { driftReport, renderReport, xmlEscape } from '../../src/engine/render-report.js';
import { DEFAULT_MARKDOWN_LIMIT } from '../../src/engine/render-markdown.js';
import { markdownProblems } from '../plan/markdown-structure.js';
import { all, parseXml } from './helpers.js';

const plan = (changes: Plan['changes'] = []): Plan => ({
  format: 'lz-plan',
  formatVersion: 2,
  createdAt: '2026-01-01T00:00:00.000Z',
  manifest: { file: 'accounts.yaml', sha256: 'x' },
  organization: { id: 'o-abc', managementAccountId: '111111111111' },
  options: { prune: false, targets: [] },
  changes,
  manual: [],
  unmanaged: [],
});

const result = (account: string, status: 'pass' | 'fail', detail: string): CheckResult => ({
  check: 'user-policies',
  cis: '1.15',
  control: 'IAM.2',
  title: 'IAM users receive permissions only through groups',
  account,
  accountId: '222222222222',
  status,
  detail,
  resources: status === 'fail' ? ['x'] : [],
});

describe('drift report rendering', () => {
  it('escapes what XML cannot hold as is, and drops what it cannot hold at all', () => {
    expect(xmlEscape(`a<b>&"c"'d'\u0001\u0008e`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;e');
  });

  it('keeps JUnit well-formed whatever names and details hold', () => {
    const nasty = 'Ops & <Dev> "quoted"';
    const report = driftReport(
      plan([{ address: `${nasty}.account-alias`, kind: 'account-alias', action: 'update', account: nasty, before: { alias: 'a' }, after: { alias: 'b' }, fields: [{ field: 'alias', before: 'a', after: 'b' }] }]),
      [result(nasty, 'fail', 'users with policies of their own: <script>&'), result('Clean', 'pass', 'fine')],
      [nasty, 'Clean'],
    );
    const root = parseXml(renderReport(report, 'junit'));
    const cases = all(root, 'testcase');
    expect(cases.map((c) => c.attrs.classname)).toEqual(['lz.drift.organization', `lz.drift.${nasty}`, 'lz.drift.Clean', `lz.posture.${nasty}`, 'lz.posture.Clean']);
    const failures = all(root, 'failure');
    expect(failures).toHaveLength(2);
    expect(failures[1]!.attrs.message).toBe('users with policies of their own: <script>&');
    expect(failures[0]!.text).toBe(`update ${nasty}.account-alias: alias: "a" → "b"`);
  });

  it('escapes table cells in Markdown', () => {
    const report = driftReport(plan(), [result('A|B', 'fail', 'one | two\nthree')], ['A|B']);
    const md = renderReport(report, 'markdown');
    expect(md).toContain('| A\\|B | 1.15 | IAM.2 | IAM users receive permissions only through groups | one \\| two<br>three |');
    expect(md).toContain('No changes: AWS matches accounts.yaml.');
  });

  it('counts an account closed by hand as drift, though only a person can act on it', () => {
    const closed: Plan = {
      ...plan(),
      manual: [{ address: 'account:Delta.reopen', kind: 'account-closure', action: 'manual', step: 'account closed in AWS but not in the file', drift: true, account: 'Delta', before: 'SUSPENDED', after: 'ACTIVE', instructions: 'AWS Support can reopen it.' }],
    };
    const report = driftReport(closed, [result('Delta', 'pass', 'fine')], ['Delta']);
    expect(report.summary).toMatchObject({ changes: 0, manualDrift: 1, manual: 1 });
    const md = renderReport(report, 'markdown');
    expect(md).toContain('## lz drift: ❌ drift');
    expect(md).toContain('No changes lz can make; 1 only a person can (manual steps below).');
    expect(md).not.toContain('AWS matches accounts.yaml');
    expect(renderReport(report, 'text')).toContain('Drift: 1 step only a person can take (drift);');
  });

  it('says so when everything passes', () => {
    const report = driftReport(plan(), [result('A', 'pass', 'fine')], ['A']);
    expect(renderReport(report, 'markdown')).toContain('## lz drift: ✅ no drift, no findings');
    expect(renderReport(report, 'text')).toContain('Posture: all 1 checks pass.');
    expect(JSON.parse(renderReport(report, 'json')).summary).toEqual({ changes: 0, manualDrift: 0, manual: 0, unmanaged: 0, unreadable: 0, findings: 0, passed: 1 });
  });

  it('keeps a Markdown report of a large organization under GitHub’s limit: lists capped, whole account sections left out from the end', () => {
    const names = Array.from({ length: 400 }, (_, i) => `Account${String(i).padStart(4, '0')}`);
    const document = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: Array.from({ length: 30 }, (_, k) => `svc${k}:${action}${k}`), Resource: '*' }] });
    const big: Plan = {
      ...plan(
        names.map((n) => ({ address: `${n}.mfa-policy`, kind: 'mfa-policy', action: 'update' as const, account: n, before: { document: document('A') }, after: { document: document('B') }, fields: [{ field: 'document', before: document('A'), after: document('B') }] })),
      ),
      manual: names.map((n) => ({ address: `${n}.root-user.mfa`, kind: 'root-user', action: 'manual' as const, account: n, step: 'root user has no MFA', before: false, after: true, instructions: `Account ${n}: sign in as the root user and assign an MFA device. ${'Keep it safe. '.repeat(10)}` })),
      unmanaged: names.map((n, i) => ({ address: `account:${i}`, kind: 'account', description: `account Legacy${i} ${'is old '.repeat(30)}` })),
      unreadable: names.slice(0, 100).map((n) => ({ account: n, address: `account:${n}`, reason: `AccessDenied ${'no '.repeat(400)}` })),
    };
    const findings = names.map((n) => result(n, 'fail', `users with policies of their own: ${'someone, '.repeat(200)}`));
    const report = driftReport(big, findings, names);

    const whole = renderReport(report, 'markdown', { markdownLimit: Number.MAX_SAFE_INTEGER });
    expect(whole.length).toBeGreaterThan(3 * DEFAULT_MARKDOWN_LIMIT);
    const md = renderReport(report, 'markdown');
    expect(md.length).toBeLessThanOrEqual(DEFAULT_MARKDOWN_LIMIT);
    expect(markdownProblems(md)).toEqual([]);
    expect(md).toMatch(/sections of 400 left out\*\* to keep this under GitHub's 65,536-character limit/);
    expect(md).toContain('The whole report is in `lz drift` as text or JSON');
    // The first accounts' sections are kept, in order; what follows the sections is always there.
    expect(md).toContain('<b>Account0000</b>');
    expect(md).not.toContain('<b>Account0399</b>');
    expect(md).toContain('And 350 more failing checks');
    expect(md).toContain('- and 90 more');
    expect(md).toContain('<summary>Manual steps (400)</summary>');
    expect(md).toContain('<summary>In AWS, not in accounts.yaml (400)</summary>');
  });
});

