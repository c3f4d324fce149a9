import { paginate } from '../../paginate.js';
import type { AccountRecord } from '../../state.js';
import { dataExportsState } from './state.js';
import type { DataExportRecord } from './state.js';
import { AwsError } from '../../types.js';
import type { OperationContext, OperationHandler, SandboxService } from '../../types.js';
import { bucketPolicyAllowsService } from '../cloudtrail/index.js';
import { findBucket } from '../s3/index.js';

/**
 * BCM Data Exports (awsJson1_1, `AWSBillingAndCostManagementDataExports.*`): exports per account, keyed by
 * ARN `arn:aws:bcm-data-exports:us-east-1:ACCT:export/NAME-UUID`. Inputs are validated as AWS validates
 * them (ValidationException with Reason and Fields). An export's status is HEALTHY while its bucket exists
 * and its policy lets `bcm-data-exports.amazonaws.com` s3:PutObject; otherwise UNHEALTHY /
 * INSUFFICIENT_PERMISSION, as AWS reports a delivery it cannot make.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON, validated member by member
type Input = Record<string, any>;

export const DATA_EXPORTS_PRINCIPAL = 'bcm-data-exports.amazonaws.com';

/** The tables a query may select from (ListTables). */
export const DATA_EXPORT_TABLES = ['COST_AND_USAGE_REPORT', 'COST_AND_USAGE_DASHBOARD', 'COST_OPTIMIZATION_RECOMMENDATIONS', 'CARBON_EMISSIONS', 'FOCUS_1_0_AWS'];

class ValidationException extends AwsError {
  readonly fields: Record<string, unknown>;
  constructor(message: string, reason: 'fieldValidationFailed' | 'cannotParse' | 'other' = 'fieldValidationFailed', field?: string) {
    super('ValidationException', message, 400);
    this.fields = { Reason: reason, Fields: field ? [{ Name: field, Message: message }] : undefined };
  }
}

const notFound = (arn: string) => {
  const e = new AwsError('ResourceNotFoundException', `Export ${arn} is not found.`, 404) as AwsError & { fields: Record<string, unknown> };
  e.fields = { ResourceId: arn, ResourceType: 'Export' };
  return e;
};

const EXPORT_ARN_RE = /^arn:aws[-a-z0-9]*:bcm-data-exports:[-a-z0-9]*:(\d{12}):export\/[-a-zA-Z0-9_/.]+$/;
const NAME_RE = /^[0-9A-Za-z!\-_.*'()]+$/;

function exportsOf(ctx: OperationContext): Record<string, DataExportRecord> {
  const account: AccountRecord | undefined = ctx.state.accounts[ctx.caller.accountId];
  if (!account) throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
  return dataExportsState(account);
}

function str(obj: Input | undefined, name: string, path: string, opts: { min?: number; max?: number; values?: string[]; pattern?: RegExp } = {}): string {
  const v: unknown = obj?.[name];
  if (v === undefined || v === null) throw new ValidationException(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`, 'fieldValidationFailed', path);
  if (typeof v !== 'string') throw new ValidationException(`Value at '${path}' must be a string`, 'cannotParse', path);
  if (v.length < (opts.min ?? 0) || v.length > (opts.max ?? 1024)) {
    throw new ValidationException(`1 validation error detected: Value at '${path}' failed to satisfy constraint: Member must have length between ${opts.min ?? 0} and ${opts.max ?? 1024}`, 'fieldValidationFailed', path);
  }
  if (opts.values && !opts.values.includes(v)) {
    throw new ValidationException(`1 validation error detected: Value '${v}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${opts.values.join(', ')}]`, 'fieldValidationFailed', path);
  }
  if (opts.pattern && !opts.pattern.test(v)) {
    throw new ValidationException(`1 validation error detected: Value '${v}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${opts.pattern.source}`, 'fieldValidationFailed', path);
  }
  return v;
}

function struct(obj: Input | undefined, name: string, path: string): Input {
  const v: unknown = obj?.[name];
  if (v === undefined || v === null) throw new ValidationException(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`, 'fieldValidationFailed', path);
  if (typeof v !== 'object' || Array.isArray(v)) throw new ValidationException(`Value at '${path}' must be a structure`, 'cannotParse', path);
  return v as Input;
}

/** Validates an Export structure and returns it normalised (only the modelled members). */
function validateExport(raw: Input | undefined): Record<string, unknown> {
  const exp = raw ?? {};
  const name = str(exp, 'Name', 'export.name', { min: 1, max: 128, pattern: NAME_RE });
  const description = exp.Description === undefined ? undefined : str(exp, 'Description', 'export.description', { max: 1024 });
  const query = struct(exp, 'DataQuery', 'export.dataQuery');
  const statement = str(query, 'QueryStatement', 'export.dataQuery.queryStatement', { min: 1, max: 36000 });
  const m = /^\s*SELECT\s+[\s\S]+?\s+FROM\s+([A-Za-z0-9_]+)/i.exec(statement);
  if (!m) throw new ValidationException(`Query statement is invalid: ${statement}`, 'other');
  if (!DATA_EXPORT_TABLES.includes(m[1]!.toUpperCase())) throw new ValidationException(`Table ${m[1]} does not exist.`, 'other');
  const tableConfigurations: unknown = query.TableConfigurations;
  if (tableConfigurations !== undefined) {
    if (!tableConfigurations || typeof tableConfigurations !== 'object' || Array.isArray(tableConfigurations)) {
      throw new ValidationException("Value at 'export.dataQuery.tableConfigurations' must be a map", 'cannotParse');
    }
    for (const [table, props] of Object.entries(tableConfigurations)) {
      if (!DATA_EXPORT_TABLES.includes(table)) throw new ValidationException(`Table ${table} does not exist.`, 'other');
      if (!props || typeof props !== 'object' || Object.values(props).some((p) => typeof p !== 'string')) {
        throw new ValidationException(`Value at 'export.dataQuery.tableConfigurations.${table}' must be a map of strings`, 'cannotParse');
      }
    }
  }
  const dest = struct(struct(exp, 'DestinationConfigurations', 'export.destinationConfigurations'), 'S3Destination', 'export.destinationConfigurations.s3Destination');
  const base = 'export.destinationConfigurations.s3Destination';
  const bucket = str(dest, 'S3Bucket', `${base}.s3Bucket`, { min: 1 });
  const prefix = str(dest, 'S3Prefix', `${base}.s3Prefix`, { max: 1024 });
  const region = str(dest, 'S3Region', `${base}.s3Region`, { min: 1 });
  const out = struct(dest, 'S3OutputConfigurations', `${base}.s3OutputConfigurations`);
  const ob = `${base}.s3OutputConfigurations`;
  const outputType = str(out, 'OutputType', `${ob}.outputType`, { values: ['CUSTOM'] });
  const format = str(out, 'Format', `${ob}.format`, { values: ['TEXT_OR_CSV', 'PARQUET'] });
  const compression = str(out, 'Compression', `${ob}.compression`, { values: ['GZIP', 'PARQUET'] });
  const overwrite = str(out, 'Overwrite', `${ob}.overwrite`, { values: ['CREATE_NEW_REPORT', 'OVERWRITE_REPORT'] });
  if ((format === 'TEXT_OR_CSV') !== (compression === 'GZIP')) {
    throw new ValidationException(`Compression ${compression} is not supported for format ${format}: TEXT_OR_CSV takes GZIP, PARQUET takes PARQUET.`, 'fieldValidationFailed', `${ob}.compression`);
  }
  const cadence = struct(exp, 'RefreshCadence', 'export.refreshCadence');
  const frequency = str(cadence, 'Frequency', 'export.refreshCadence.frequency', { values: ['SYNCHRONOUS'] });
  return {
    Name: name,
    Description: description,
    DataQuery: { QueryStatement: statement, TableConfigurations: tableConfigurations },
    DestinationConfigurations: {
      S3Destination: { S3Bucket: bucket, S3Prefix: prefix, S3Region: region, S3OutputConfigurations: { OutputType: outputType, Format: format, Compression: compression, Overwrite: overwrite } },
    },
    RefreshCadence: { Frequency: frequency },
  };
}

function requireArn(ctx: OperationContext, input: Input, member = 'ExportArn'): DataExportRecord {
  const arn = str(input, member, member.charAt(0).toLowerCase() + member.slice(1), { min: 20, max: 2048 });
  if (!EXPORT_ARN_RE.test(arn)) throw new ValidationException(`1 validation error detected: Value '${arn}' at 'exportArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[-a-z0-9]*:bcm-data-exports:[-a-z0-9]*:[0-9]{12}:export/[-a-zA-Z0-9_/.]+`);
  const record = exportsOf(ctx)[arn];
  if (!record) throw notFound(arn);
  return record;
}

function statusOf(ctx: OperationContext, record: DataExportRecord): Record<string, unknown> {
  const bucketName = String(record.export.DestinationConfigurations?.S3Destination?.S3Bucket ?? '');
  const found = findBucket(ctx.state, bucketName);
  const healthy = Boolean(found && bucketPolicyAllowsService(found.bucket.policy, DATA_EXPORTS_PRINCIPAL, ['s3:PutObject']));
  return {
    StatusCode: healthy ? 'HEALTHY' : 'UNHEALTHY',
    StatusReason: healthy ? undefined : 'INSUFFICIENT_PERMISSION',
    // This service's timestamps are ISO-8601 date-time strings on the wire, not epoch seconds.
    CreatedAt: record.createdAt,
    LastUpdatedAt: record.updatedAt,
  };
}

function uuid(ctx: OperationContext): string {
  const h = ctx.runtime.randomId(32, '0123456789abcdef');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function validateTags(tags: unknown): { Key: string; Value: string }[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw new ValidationException("Value at 'resourceTags' must be a list", 'cannotParse');
  if (tags.length > 200) throw new ValidationException('Too many tags: at most 200', 'fieldValidationFailed', 'resourceTags');
  return tags.map((t: Input, i: number) => ({ Key: str(t, 'Key', `resourceTags.${i + 1}.member.key`, { min: 1, max: 128 }), Value: str(t, 'Value', `resourceTags.${i + 1}.member.value`, { max: 256 }) }));
}

function mergeTags(have: { Key: string; Value: string }[], add: { Key: string; Value: string }[]): { Key: string; Value: string }[] {
  const out = have.filter((t) => !add.some((a) => a.Key === t.Key));
  return [...out, ...add];
}

const operations: Record<string, OperationHandler> = {
  CreateExport: (ctx, input) => {
    const exp = validateExport(struct(input, 'Export', 'export'));
    const tags = validateTags(input.ResourceTags);
    const all = exportsOf(ctx);
    if (Object.values(all).some((r) => r.export.Name === exp.Name)) {
      throw new ValidationException(`Export name ${String(exp.Name)} already exists.`, 'other', 'export.name');
    }
    const arn = `arn:aws:bcm-data-exports:us-east-1:${ctx.caller.accountId}:export/${String(exp.Name)}-${uuid(ctx)}`;
    const now = ctx.runtime.now().toISOString();
    all[arn] = { export: { ExportArn: arn, ...exp }, createdAt: now, updatedAt: now, tags };
    return { ExportArn: arn };
  },

  GetExport: (ctx, input) => {
    const record = requireArn(ctx, input);
    return { Export: record.export, ExportStatus: statusOf(ctx, record) };
  },

  ListExports: (ctx, input) => {
    const records = Object.values(exportsOf(ctx)).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    const page = paginate(records, {
      token: input.NextToken,
      limit: input.MaxResults,
      maxPage: 1000,
      limitName: 'maxResults',
      invalid: (m) => new ValidationException(m, 'fieldValidationFailed'),
    });
    return {
      Exports: page.items.map((r) => ({ ExportArn: r.export.ExportArn, ExportName: r.export.Name, ExportStatus: statusOf(ctx, r) })),
      NextToken: page.nextToken,
    };
  },

  UpdateExport: (ctx, input) => {
    const record = requireArn(ctx, input);
    const exp = validateExport(struct(input, 'Export', 'export'));
    if (exp.Name !== record.export.Name) throw new ValidationException('The export name cannot be changed.', 'fieldValidationFailed', 'export.name');
    record.export = { ExportArn: record.export.ExportArn, ...exp };
    record.updatedAt = ctx.runtime.now().toISOString();
    return { ExportArn: record.export.ExportArn };
  },

  DeleteExport: (ctx, input) => {
    const record = requireArn(ctx, input);
    delete exportsOf(ctx)[record.export.ExportArn as string];
    return { ExportArn: record.export.ExportArn };
  },

  ListTagsForResource: (ctx, input) => ({ ResourceTags: requireArn(ctx, input, 'ResourceArn').tags }),
  TagResource: (ctx, input) => {
    const record = requireArn(ctx, input, 'ResourceArn');
    record.tags = mergeTags(record.tags, validateTags(input.ResourceTags));
    return {};
  },
  UntagResource: (ctx, input) => {
    const record = requireArn(ctx, input, 'ResourceArn');
    const keys: unknown = input.ResourceTagKeys;
    if (!Array.isArray(keys)) throw new ValidationException("Value null at 'resourceTagKeys' failed to satisfy constraint: Member must not be null", 'fieldValidationFailed', 'resourceTagKeys');
    record.tags = record.tags.filter((t) => !keys.includes(t.Key));
    return {};
  },

  ListTables: (_ctx, input) => {
    const page = paginate(DATA_EXPORT_TABLES, { token: input.NextToken, limit: input.MaxResults, maxPage: 1000, limitName: 'maxResults', invalid: (m) => new ValidationException(m) });
    return { Tables: page.items.map((t) => ({ TableName: t })), NextToken: page.nextToken };
  },
};

export const bcmDataExports: SandboxService = {
  signingName: 'bcm-data-exports',
  protocol: 'awsJson1_1',
  targetPrefix: 'AWSBillingAndCostManagementDataExports',
  operations,
};
