import { describe, expect, it } from 'vitest';
import { sameValue } from '../../src/core/values.js';
import { exportFields, parseQuery, queryStatement, CUR2_COLUMNS } from '../../src/resources/cost-export.js';
import { policyFields } from '../../src/resources/delivery-buckets.js';
import { ORGANIZATION_ID_PLACEHOLDER, bucketPolicy, normalizePolicy } from '../../src/resources/organization-services.js';

const bucket = { name: 'lz-log-archive-111111111111', owner: { name: 'General', id: '111111111111', management: true }, trail: { arn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/t' }, costExport: true };

describe('bucket policy', () => {
  const policy = bucketPolicy(bucket, { managementId: '111111111111', organizationId: 'o-abcdefghij' });

  it.each([
    ['whitespace and key order', (p: typeof policy) => JSON.parse(JSON.stringify(p, null, 4)) as unknown],
    ['one-element lists written as lists', (p: typeof policy) => ({ ...p, Statement: p.Statement.map((s) => ({ ...s, Action: Array.isArray(s.Action) ? s.Action : [s.Action] })) })],
    ['list order', (p: typeof policy) => ({ ...p, Statement: p.Statement.map((s) => ({ ...s, Resource: Array.isArray(s.Resource) ? [...s.Resource].reverse() : s.Resource })) })],
    ['a boolean condition value', (p: typeof policy) => ({ ...p, Statement: p.Statement.map((s) => (s.Sid === 'DenyInsecureTransport' ? { ...s, Condition: { Bool: { 'aws:SecureTransport': false } } } : s)) })],
  ])('compares equal across %s', (_what, rewrite) => {
    expect(sameValue(normalizePolicy(rewrite(policy)), normalizePolicy(policy))).toBe(true);
    expect(policyFields(policy, rewrite(policy))).toEqual([]);
  });

  it('shows a changed, a missing and an extra statement by Sid', () => {
    const have = {
      ...policy,
      Statement: [
        ...policy.Statement.filter((s) => s.Sid !== 'DenyInsecureTransport').map((s) => (s.Sid === 'AWSCloudTrailWrite' ? { ...s, Resource: 'arn:aws:s3:::x/*' } : s)),
        { Sid: 'Extra', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' },
      ],
    };
    expect(policyFields(policy, have).map((f) => [f.field, f.before === null ? '+' : f.after === null ? '-' : '~'])).toEqual([
      ['statement AWSCloudTrailWrite', '~'],
      ['statement DenyInsecureTransport', '+'],
      ['statement Extra', '-'],
    ]);
  });

  it('has CloudTrail\'s organization-trail statements and Data Exports\' statement', () => {
    expect(policy.Statement.map((s) => s.Sid)).toEqual(['AWSCloudTrailAclCheck', 'AWSCloudTrailWrite', 'AWSCloudTrailOrganizationWrite', 'EnableAWSDataExportsToWriteToS3AndCheckPolicy', 'DenyInsecureTransport']);
    expect(policy.Statement[2]!.Resource).toBe('arn:aws:s3:::lz-log-archive-111111111111/AWSLogs/o-abcdefghij/*');
    expect(bucketPolicy(bucket, { managementId: '111111111111' }).Statement[2]!.Resource).toContain(ORGANIZATION_ID_PLACEHOLDER);
  });
});

describe('cost export', () => {
  it('round-trips its query', () => {
    expect(parseQuery(queryStatement(CUR2_COLUMNS, 'COST_AND_USAGE_REPORT'))).toEqual({ columns: CUR2_COLUMNS, table: 'COST_AND_USAGE_REPORT' });
  });

  it('compares only the table configuration keys lz sets, and columns one by one', () => {
    const want = { bucket: 'b', prefix: 'p', region: 'us-east-1', table: 'T', columns: ['a', 'b'], tableConfiguration: { TIME_GRANULARITY: 'DAILY' }, format: 'PARQUET', compression: 'PARQUET', overwrite: 'OVERWRITE_REPORT', refreshCadence: 'SYNCHRONOUS' };
    expect(exportFields(want, { ...want, tableConfiguration: { TIME_GRANULARITY: 'DAILY', BILLING_VIEW_ARN: 'arn:x' } })).toEqual([]);
    expect(exportFields(want, { ...want, columns: ['a', 'c'], format: 'TEXT_OR_CSV', tableConfiguration: { TIME_GRANULARITY: 'HOURLY' } })).toEqual([
      { field: 'format', before: 'TEXT_OR_CSV', after: 'PARQUET' },
      { field: 'tableConfiguration.TIME_GRANULARITY', before: 'HOURLY', after: 'DAILY' },
      { field: 'column', before: null, after: 'b' },
      { field: 'column', before: 'c', after: null },
    ]);
  });
});
