import { paginateValidatePolicy } from '@aws-sdk/client-accessanalyzer';
import { errorSummary } from '../../aws/aws-errors.js';
import type { AwsContext } from '../../aws/context.js';
import type { Finding } from '../../core/plan.js';
import type { PolicyTypeFacts } from './policy-types.js';

/**
 * IAM Access Analyzer's ValidatePolicy on a document lz is about to write: AWS's own checker knows every
 * action and condition key, which no list shipped with lz keeps up with. Its errors (an unknown action, a
 * statement that can never match) block apply; its warnings and suggestions are shown for the reviewer. A
 * lint that cannot run is a warning, not a block: the checker is advice, Organizations the judge.
 */
export async function lintDocument(aws: AwsContext, facts: PolicyTypeFacts, content: string): Promise<Finding[]> {
  if (!facts.lintAs) return [];
  const findings: Finding[] = [];
  try {
    for await (const page of paginateValidatePolicy({ client: aws.management.accessAnalyzer }, { policyDocument: content, policyType: facts.lintAs, locale: 'EN' })) {
      for (const f of page.findings ?? []) {
        findings.push({
          severity: f.findingType === 'ERROR' ? 'error' : 'warning',
          source: `access-analyzer ${f.findingType ?? ''} ${f.issueCode ?? ''}`.replace(/\s+/g, ' ').trim(),
          message: `${f.findingDetails ?? ''}${locationOf(f.locations)}`,
        });
      }
    }
  } catch (err) {
    findings.push({ severity: 'warning', source: 'access-analyzer', message: `not checked: ${errorSummary(err)}` });
  }
  return findings;
}

/** `at Statement[0].Action[1]`: where in the document a finding points. */
function locationOf(locations: { path?: { index?: number; key?: string; value?: string }[] }[] | undefined): string {
  const path = locations?.[0]?.path;
  if (!path?.length) return '';
  return ` (at ${path.map((p) => (p.index !== undefined ? `[${p.index}]` : p.key !== undefined ? `.${p.key}` : '')).join('').replace(/^\./, '')})`;
}
