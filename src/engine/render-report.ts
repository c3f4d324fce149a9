import type { Change, FieldChange, Plan } from '../core/plan.js';
import { unverifiableNotice, visibleManual } from './manual-steps.js';
import { checkLabel, failing, type CheckResult } from './posture.js';
import { DEFAULT_MARKDOWN_LIMIT, capped, cell, changeSections, cut, fitSections, inline } from './render-markdown.js';
import { formatValue, renderPlan } from './render-text.js';

/**
 * `lz drift`'s report: the plan that should be empty and the posture checks, as data. Every format
 * (text, json, markdown, junit) renders this one object.
 */
export const DRIFT_FORMAT = 'lz-drift';
export const DRIFT_FORMAT_VERSION = 1;

export interface DriftReport {
  format: typeof DRIFT_FORMAT;
  formatVersion: typeof DRIFT_FORMAT_VERSION;
  createdAt: string;
  /** The accounts checked (manifest names, file order). */
  accounts: string[];
  plan: Plan;
  /** Every check in every existing account, passing and failing. */
  posture: CheckResult[];
  summary: DriftSummary;
}

export interface DriftSummary {
  /** Changes apply would make (create, update, delete): drift. */
  changes: number;
  /** Manual steps that are drift too: AWS moved where only a person can bring it back (an account closed by hand). */
  manualDrift: number;
  /** Manual steps (listed, never drift on their own). */
  manual: number;
  unmanaged: number;
  /** Accounts that could not be read: the report is incomplete (exit 1). */
  unreadable: number;
  /** Failing checks. */
  findings: number;
  /** Passing checks. */
  passed: number;
}

export type ReportFormat = 'text' | 'json' | 'markdown' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'markdown', 'junit'];

export function driftReport(plan: Plan, posture: CheckResult[], accounts: string[], createdAt = new Date().toISOString()): DriftReport {
  const findings = failing(posture).length;
  return {
    format: DRIFT_FORMAT,
    formatVersion: DRIFT_FORMAT_VERSION,
    createdAt,
    accounts,
    plan,
    posture,
    summary: { changes: plan.changes.length, manualDrift: plan.manual.filter((c) => c.drift).length, manual: plan.manual.length, unmanaged: plan.unmanaged.length, unreadable: plan.unreadable?.length ?? 0, findings, passed: posture.length - findings },
  };
}

export interface ReportOptions {
  color?: boolean;
  /** The most characters a Markdown report may have (default DEFAULT_MARKDOWN_LIMIT, for a GitHub issue). */
  markdownLimit?: number;
}

export function renderReport(report: DriftReport, format: ReportFormat, options: ReportOptions = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(report, options.markdownLimit ?? DEFAULT_MARKDOWN_LIMIT);
    case 'junit':
      return renderJunit(report);
    default:
      return renderText(report, Boolean(options.color));
  }
}

/** One line: what a scheduled run's log shows first. */
export function summarySentence(report: DriftReport): string {
  const s = report.summary;
  const byHand = s.manualDrift > 0 ? `${s.manualDrift} step${s.manualDrift === 1 ? '' : 's'} only a person can take` : '';
  const changes = s.changes > 0 ? `${s.changes} change${s.changes === 1 ? '' : 's'}` : '';
  const drift = changes || byHand ? `${[changes, byHand].filter(Boolean).join(' and ')} (drift)` : 'no drift';
  const unreadable = s.unreadable > 0 ? ` ${s.unreadable} account${s.unreadable === 1 ? '' : 's'} could not be read: the report is incomplete.` : '';
  return `Drift: ${drift}; posture: ${s.findings} failing check${s.findings === 1 ? '' : 's'}, ${s.passed} passed, across ${report.accounts.length} account${report.accounts.length === 1 ? '' : 's'}.${unreadable}`;
}

// ---- text ------------------------------------------------------------------------------------------------------

function renderText(report: DriftReport, color: boolean): string {
  const paint = (code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const lines = [renderPlan(report.plan, { color }).trimEnd(), ''];
  const failed = failing(report.posture);
  if (failed.length > 0) {
    lines.push('Posture findings (CIS AWS Foundations Benchmark v3.0 / AWS Security Hub):', '');
    for (const f of failed) lines.push(`  ${paint(31, 'x')} [${checkLabel({ id: f.check, ...f })}] ${f.account}: ${f.detail}`);
    lines.push('');
  } else if (report.posture.length > 0) {
    lines.push(`Posture: all ${report.posture.length} checks pass.`, '');
  }
  lines.push(summarySentence(report));
  return `${lines.join('\n')}\n`;
}

// ---- markdown --------------------------------------------------------------------------------------------------

/** Failing checks shown in the Markdown report's table; the rest are counted, and listed by text and JSON. */
const FINDINGS_MAX = 50;
/** A finding's detail in that table is cut to this many characters (it may list every user of an account). */
const DETAIL_MAX = 500;

/**
 * The report as a GitHub issue body: never over `limit` characters. Its lists are capped, and accounts' change
 * sections are left out from the end, whole, with a note, as in the plan comment.
 */
function renderMarkdown(report: DriftReport, limit: number): string {
  const s = report.summary;
  const failed = failing(report.posture);
  const drifted = s.changes > 0 || s.manualDrift > 0;
  const ok = !drifted && s.findings === 0 && s.unreadable === 0;
  const more = (k: number) => `- and ${k} more`;
  const head: string[] = [];
  const bad = [drifted ? 'drift' : '', s.findings > 0 ? 'failing findings' : '', s.unreadable > 0 ? 'accounts not read' : ''].filter(Boolean).join(' and ');
  head.push(`## lz drift: ${ok ? '✅ no drift, no findings' : `❌ ${bad}`}`, '');
  head.push(`${summarySentence(report)}`, '');
  head.push(`Organization \`${report.plan.organization.id ?? '(none yet)'}\`, management account \`${report.plan.organization.managementAccountId}\`, checked ${report.createdAt}.`, '');

  head.push('### Drift', '');
  if (report.plan.changes.length === 0 && s.manualDrift > 0) head.push(`No changes lz can make; ${s.manualDrift} only a person can (manual steps below).`, '');
  else if (report.plan.changes.length === 0 && !report.plan.unreadable?.length) head.push('No changes: AWS matches accounts.yaml.', '');
  else if (report.plan.changes.length === 0) head.push('No changes in the accounts lz could read; the others are unknown (below).', '');

  const tail: string[] = [];
  if (report.plan.unreadable?.length) {
    tail.push('### Accounts that could not be read', '', 'Nothing was checked inside them; this report is incomplete.', '');
    tail.push(...capped(report.plan.unreadable.map((u) => `- \`${cell(u.address)}\`: ${inline(u.reason)}`), more), '');
  }

  tail.push('### Posture findings (CIS AWS Foundations Benchmark v3.0)', '');
  if (failed.length === 0) tail.push(`All ${report.posture.length} checks pass.`, '');
  else {
    tail.push('| Account | CIS | Security Hub | Check | Finding |', '| --- | --- | --- | --- | --- |');
    for (const f of failed.slice(0, FINDINGS_MAX)) tail.push(`| ${cell(f.account)} | ${f.cis ?? ''} | ${f.control ?? ''} | ${cell(f.title)} | ${cell(cut(f.detail, DETAIL_MAX))} |`);
    if (failed.length > FINDINGS_MAX) tail.push('', `And ${failed.length - FINDINGS_MAX} more failing checks: \`lz drift\` as text or JSON lists them all.`);
    tail.push('');
  }
  const manual = visibleManual(report.plan);
  if (manual.length > 0) {
    tail.push(`<details><summary>Manual steps (${manual.length})</summary>`, '');
    tail.push(...capped(manual.map((m) => `- \`${m.address}\`: ${cell(m.instructions ?? '')}`), more));
    tail.push('', '</details>', '');
  }
  const notice = unverifiableNotice(report.plan);
  if (notice) tail.push(notice, '');
  if (report.plan.unmanaged.length > 0) {
    tail.push(`<details><summary>In AWS, not in accounts.yaml (${report.plan.unmanaged.length})</summary>`, '');
    tail.push(...capped(report.plan.unmanaged.map((u) => `- ${inline(u.description)}`), more));
    tail.push('', '</details>', '');
  }
  // The plan comment's sections: one per account, each a diff (a policy document's as a diff of its lines).
  return fitSections({ head, heading: [], sections: changeSections(report.plan.changes), tail }, limit, 'The whole report is in `lz drift` as text or JSON (in CI, the run\'s log).');
}

// ---- junit -----------------------------------------------------------------------------------------------------

/** An update's fields on one line, for a failure's body. */
function fieldsText(fields: readonly FieldChange[]): string {
  return fields.map((f) => (f.note ? `${f.field}: (${f.note})` : `${f.field}: ${formatValue(f.before)} → ${formatValue(f.after)}`)).join('; ');
}

/** XML 1.0 text: the five entities, and characters XML cannot hold at all dropped. */
export function xmlEscape(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex -- removing what XML 1.0 forbids
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; type: string; body: string };
}

function suite(name: string, cases: Case[]): string[] {
  const failures = cases.filter((c) => c.failure).length;
  const lines = [`  <testsuite name="${xmlEscape(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`];
  for (const c of cases) {
    const head = `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}"`;
    if (!c.failure) lines.push(`${head}/>`);
    else {
      lines.push(`${head}>`);
      lines.push(`      <failure message="${xmlEscape(c.failure.message)}" type="${xmlEscape(c.failure.type)}">${xmlEscape(c.failure.body)}</failure>`);
      lines.push('    </testcase>');
    }
  }
  lines.push('  </testsuite>');
  return lines;
}

/**
 * JUnit XML for CI test reporters: suite `drift` has one test case per account (plus `organization` for
 * the organization and its units), failing when apply would change something there or a manual step there
 * is drift (an account closed by hand); suite `posture` has one test case per account and check, failing
 * when the check fails.
 */
function renderJunit(report: DriftReport): string {
  const byAccount = new Map<string, Change[]>();
  for (const c of [...report.plan.changes, ...report.plan.manual.filter((m) => m.drift)]) {
    const key = c.account ?? 'organization';
    byAccount.set(key, [...(byAccount.get(key) ?? []), c]);
  }
  const driftCases: Case[] = ['organization', ...report.accounts].map((account) => {
    const changes = byAccount.get(account) ?? [];
    const name = account === 'organization' ? 'organization and units match accounts.yaml' : `${account} matches accounts.yaml`;
    const unreadable = report.plan.unreadable?.find((u) => u.account === account);
    return {
      classname: `lz.drift.${account}`,
      name,
      ...(unreadable ? { failure: { type: 'unreadable', message: `could not be read: nothing was checked inside it`, body: unreadable.reason } } : {}),
      ...(changes.length > 0 && !unreadable
        ? {
            failure: {
              type: 'drift',
              message: `${changes.length} change${changes.length === 1 ? '' : 's'}: ${changes.map((c) => c.address).join(', ')}`,
              body: changes.map((c) => `${c.action} ${c.address}${c.action === 'update' && c.fields ? `: ${fieldsText(c.fields)}` : ''}`).join('\n'),
            },
          }
        : {}),
    };
  });
  const postureCases: Case[] = report.posture.map((r) => ({
    classname: `lz.posture.${r.account}`,
    name: `[${checkLabel({ id: r.check, ...r })}] ${r.title}`,
    ...(r.status === 'fail' ? { failure: { type: r.control ?? r.cis ?? r.check, message: r.detail, body: `${r.account} (${r.accountId}): ${r.detail}` } } : {}),
  }));
  const all = [...driftCases, ...postureCases];
  const failures = all.filter((c) => c.failure).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="lz drift" tests="${all.length}" failures="${failures}" errors="0" timestamp="${xmlEscape(report.createdAt)}">`,
    ...suite('drift', driftCases),
    ...suite('posture', postureCases),
    '</testsuites>',
    '',
  ].join('\n');
}
