import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/engine/posture.js';
import type { Plan } from '../../src/core/plan.js';
import { driftReport, renderReport, xmlEscape } from '../../src/engine/render-report.js';
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

  it('says so when everything passes', () => {
    const report = driftReport(plan(), [result('A', 'pass', 'fine')], ['A']);
    expect(renderReport(report, 'markdown')).toContain('## lz drift: ✅ no drift, no findings');
    expect(renderReport(report, 'text')).toContain('Posture: all 1 checks pass.');
    expect(JSON.parse(renderReport(report, 'json')).summary).toEqual({ changes: 0, manual: 0, unmanaged: 0, unreadable: 0, findings: 0, passed: 1 });
  });
});
