import { describe, expect, it } from 'vitest';
import type { Change, Plan } from '../../src/core/plan.js';
import { DEFAULT_MARKDOWN_LIMIT, GITHUB_BODY_LIMIT, renderPlanMarkdown } from '../../src/engine/render-markdown.js';
import { markdownProblems } from './markdown-structure.js';

/**
 * The plan comment never passes GitHub's limit, whatever the plan holds: whole account sections are left out
 * from the end, and what must not be missed (closes, destroys, blocked changes, unreadable accounts) stays.
 */

const document = (actions: string[]) => ({ Version: '2012-10-17', Statement: [{ Sid: 'Deny', Effect: 'Deny', Action: actions, Resource: '*' }] });

function accountChanges(name: string, i: number): Change[] {
  const before = document(Array.from({ length: 40 }, (_, k) => `service${k}:Action${k}`));
  const after = document(Array.from({ length: 40 }, (_, k) => `service${k}:Action${k === i % 40 ? 'Changed' : k}`));
  return [
    { address: `${name}.mfa-policy`, kind: 'mfa-policy', action: 'update', account: name, before: { document: before }, after: { document: after }, fields: [{ field: 'document', before, after }] },
    { address: `${name}.password-policy`, kind: 'password-policy', action: 'create', account: name, before: null, after: { minimumLength: 14, requireSymbols: true, maxPasswordAge: 90 } },
    { address: `${name}.budget.old`, kind: 'budget', action: 'delete', account: name, before: { name: 'old', amount: 10 }, after: null },
  ];
}

function bigPlan(accounts: number): Plan {
  const names = Array.from({ length: accounts }, (_, i) => `Account${String(i).padStart(4, '0')}`);
  const changes: Change[] = [
    { address: 'scp:broken', kind: 'service-control-policy', action: 'create', before: null, after: { document: document(['s3:Nope']) }, findings: [{ severity: 'error', source: 'access-analyzer UNKNOWN_ACTION', message: 'The action s3:Nope does not exist.' }] },
    ...names.flatMap(accountChanges),
    { address: 'account:Old.close', kind: 'account-closure', action: 'delete', account: 'Old', before: { id: '999999999999', state: 'ACTIVE' }, after: null, requires: 'allow-close' },
  ];
  return {
    format: 'lz-plan',
    formatVersion: 2,
    createdAt: '2026-01-01T00:00:00.000Z',
    manifest: { file: '/x/accounts.yaml', sha256: 'ab'.repeat(32) },
    organization: { id: 'o-abc1234567', managementAccountId: '111111111111' },
    options: { prune: true, targets: [] },
    changes,
    manual: names.map((n) => ({ address: `${n}.root-user.mfa`, kind: 'root-user', action: 'manual', account: n, step: 'root user has no MFA', before: false, after: true })),
    unmanaged: Array.from({ length: 500 }, (_, i) => ({ address: `account:${i}`, kind: 'account', description: `account Legacy${i} (${String(i).padStart(12, '0')}) ${'is old '.repeat(20)}` })),
    unreadable: names.slice(0, 30).map((n) => ({ account: n, address: `account:${n}`, reason: `cannot assume arn:aws:iam::222222222222:role/X: ${'AccessDenied '.repeat(100)}` })),
    pendingSecrets: names.slice(0, 15).map((n) => `.lz/secrets/${n}-0a1b2c3d/IAMADMIN.txt.pending`),
  };
}

const sectionTitles = (md: string) => [...md.matchAll(/^<details><summary><b>([^<]+)<\/b>/gm)].map((m) => m[1]!);

describe('the plan comment and GitHub’s limit', () => {
  it('leaves a margin under GitHub’s 65,536 characters for what posts the comment', () => {
    expect(DEFAULT_MARKDOWN_LIMIT).toBeLessThanOrEqual(GITHUB_BODY_LIMIT - 5_000);
  });

  it('leaves whole sections out from the end, and says how many and where the full plan is', () => {
    const plan = bigPlan(400);
    const full = renderPlanMarkdown(plan, { limit: Number.MAX_SAFE_INTEGER });
    expect(full.length).toBeGreaterThan(4 * DEFAULT_MARKDOWN_LIMIT);

    const md = renderPlanMarkdown(plan, { fullPlan: 'the `lz-plan` artifact of [this run](https://example.com/run/1)' });
    expect(md.length).toBeLessThanOrEqual(DEFAULT_MARKDOWN_LIMIT);
    expect(markdownProblems(md)).toEqual([]);
    // Organization, the 400 accounts and Old: the ones kept are the first ones, in plan order.
    const all = sectionTitles(full);
    expect(all).toHaveLength(402);
    const kept = sectionTitles(md);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept).toEqual(all.slice(0, kept.length));
    expect(md).toContain(`**${402 - kept.length} sections of 402 left out** to keep this under GitHub's 65,536-character limit: ${all.slice(kept.length, kept.length + 10).join(', ')} and ${402 - kept.length - 10} more.`);
    expect(md).toContain('The full plan is in the `lz-plan` artifact of [this run](https://example.com/run/1).');
    // Every section kept is whole: the last one ends with its own closing tag, right before the note.
    expect(md).toMatch(/```\n\n<\/details>\n\n> \[!NOTE\]/);
  });

  it('keeps what must not be missed, in short lists, however large the plan', () => {
    const md = renderPlanMarkdown(bigPlan(400));
    expect(md).toContain('## lz plan: ❌ incomplete: 401 to add, 400 to change, 401 to destroy');
    expect(md).toContain('| 401 | 400 | 401 | 1 | 400 |');
    expect(md).toContain('**This plan closes an AWS account.** Apply refuses it without `--allow-close`.');
    expect(md).toContain('> - `Old` (`account:Old.close`)');
    expect(md).toContain('**This plan destroys 400 things** (`--prune` is on');
    expect(md).toContain('> - and 390 more');
    expect(md).toContain('**Apply will refuse this plan**: a checker found errors in what 1 change would write.');
    expect(md).toContain('> - `scp:broken`: access-analyzer UNKNOWN_ACTION: The action s3:Nope does not exist.');
    expect(md).toContain('**Plan incomplete: 30 accounts could not be read**');
    expect(md).toContain('**15 console passwords a run wrote and did not confirm**');
    expect(md).toContain('- root user has no MFA (400): Account0000, Account0001, Account0002, Account0003, Account0004, Account0005 and 394 more');
    expect(md).toContain('<details><summary>In AWS, not in accounts.yaml: reported, left alone (500)</summary>');
    // An AWS error of any length is cut, never the page.
    expect(md.split('\n').every((l) => l.length < 2_000)).toBe(true);
    // Without a pointer from the caller, it says how to get the full plan with lz.
    expect(md).toContain('The full plan is in the plan saved with `lz plan --out FILE`');
  });

  it('leaves out a first section too large on its own rather than cut it', () => {
    const plan = bigPlan(1);
    const huge = document(Array.from({ length: 5_000 }, (_, k) => `svc:Action${k}`));
    plan.changes.unshift({ address: 'scp:huge', kind: 'service-control-policy', action: 'create', before: null, after: { document: huge } });
    const md = renderPlanMarkdown(plan, { limit: 30_000 });
    expect(md.length).toBeLessThanOrEqual(30_000);
    expect(markdownProblems(md)).toEqual([]);
    expect(sectionTitles(md)).toEqual([]);
    expect(md).toContain('**3 sections of 3 left out**');
    expect(md).not.toContain('### Changes');
  });

  it('prints every section and no note when the plan fits', () => {
    const md = renderPlanMarkdown(bigPlan(3));
    expect(sectionTitles(md)).toEqual(['Organization', 'Account0000', 'Account0001', 'Account0002', 'Old']);
    expect(md).not.toContain('[!NOTE]');
    expect(markdownProblems(md)).toEqual([]);
    // A changed policy document reads as a diff of its lines, marks in the first column.
    // Unchanged stretches fold, keeping three lines on each side of a change.
    expect(md).toContain(
      [
        '!     document:',
        '          … 4 unchanged lines',
        '                "Sid": "Deny",',
        '                "Effect": "Deny",',
        '                "Action": [',
        '-                 "service0:Action0",',
        '+                 "service0:ActionChanged",',
        '                  "service1:Action1",',
        '                  "service2:Action2",',
        '                  "service3:Action3",',
        '          … 41 unchanged lines',
        '',
        '+ Account0000.password-policy',
      ].join('\n'),
    );

    expect(md).toContain('<b>Old</b>: 1 to destroy · ⚠️ closes the account');
    expect(md).toContain('- ⛔ **error** in `scp:broken` (access-analyzer UNKNOWN_ACTION): The action s3:Nope does not exist.');
  });

  it('folds the unchanged lines between two changes of one document, keeping three on each side', () => {
    const plan = bigPlan(0);
    const actions = Array.from({ length: 40 }, (_, k) => `svc${k}:Do`);
    const before = document(actions);
    const after = document(actions.map((a, k) => (k === 0 || k === 35 ? `${a}Not` : a)));
    plan.changes.push({ address: 'scp:edited', kind: 'service-control-policy', action: 'update', before: { document: before }, after: { document: after }, fields: [{ field: 'document', before, after }] });
    const md = renderPlanMarkdown(plan);
    expect(md).toContain('+                 "svc0:DoNot",\n                  "svc1:Do",\n                  "svc2:Do",\n                  "svc3:Do",\n          … 28 unchanged lines\n                  "svc32:Do",');
  });
});
