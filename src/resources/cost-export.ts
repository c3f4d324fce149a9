import {
  CreateExportCommand,
  DeleteExportCommand,
  GetExportCommand,
  ListTagsForResourceCommand,
  UpdateExportCommand,
  paginateListExports,
  type Export,
} from '@aws-sdk/client-bcm-data-exports';
import { isError } from '../aws/aws-errors.js';
import { fieldDiff, sameValue } from '../engine/fields.js';
import type { Change, FieldChange, Unmanaged } from '../engine/plan.js';
import { bucketAddress, bucketPolicyAddress } from './log-archive-bucket.js';
import { LZ_TAG_KEY, lzTagged, modelFor, tolerantRead } from './organization-services.js';
import type { OrganizationResource } from './types.js';

export const costExportAddress = (name: string) => `cost-export:${name}`;
export const COST_EXPORT_TAG_VALUE = 'cost-export';
export const CUR2_TABLE = 'COST_AND_USAGE_REPORT';

/**
 * CUR 2.0 columns (Data Exports table dictionary, COST_AND_USAGE_REPORT). Data Exports takes no `SELECT *`:
 * a query names its columns. These are the ones cost analysis (and AWS's CUR queries library) uses.
 */
export const CUR2_COLUMNS = [
  'bill_bill_type',
  'bill_billing_entity',
  'bill_billing_period_end_date',
  'bill_billing_period_start_date',
  'bill_invoice_id',
  'bill_invoicing_entity',
  'bill_payer_account_id',
  'bill_payer_account_name',
  'cost_category',
  'discount',
  'identity_line_item_id',
  'identity_time_interval',
  'line_item_availability_zone',
  'line_item_blended_cost',
  'line_item_blended_rate',
  'line_item_currency_code',
  'line_item_legal_entity',
  'line_item_line_item_description',
  'line_item_line_item_type',
  'line_item_operation',
  'line_item_product_code',
  'line_item_resource_id',
  'line_item_tax_type',
  'line_item_unblended_cost',
  'line_item_unblended_rate',
  'line_item_usage_account_id',
  'line_item_usage_account_name',
  'line_item_usage_amount',
  'line_item_usage_end_date',
  'line_item_usage_start_date',
  'line_item_usage_type',
  'pricing_currency',
  'pricing_public_on_demand_cost',
  'pricing_public_on_demand_rate',
  'pricing_term',
  'pricing_unit',
  'product',
  'product_instance_type',
  'product_location',
  'product_product_family',
  'product_region_code',
  'product_servicecode',
  'reservation_effective_cost',
  'reservation_reservation_a_r_n',
  'resource_tags',
  'savings_plan_savings_plan_a_r_n',
  'savings_plan_savings_plan_effective_cost',
];

/** CUR 2.0 table configuration: daily lines, with resource ids. */
export const CUR2_TABLE_CONFIGURATION: Record<string, string> = {
  TIME_GRANULARITY: 'DAILY',
  INCLUDE_RESOURCES: 'TRUE',
  INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY: 'FALSE',
  INCLUDE_SPLIT_COST_ALLOCATION_DATA: 'FALSE',
};

/** The export in the plan's words. */
export interface CostExportSettings {
  bucket: string;
  prefix: string;
  region: string;
  table: string;
  columns: string[];
  /** TIME_GRANULARITY, INCLUDE_RESOURCES, ...: only the keys lz sets are compared (AWS may add others). */
  tableConfiguration: Record<string, string>;
  format: string;
  compression: string;
  overwrite: string;
  refreshCadence: string;
}

export interface CostExportAfter extends CostExportSettings {
  name: string;
}

export interface LiveExport extends CostExportSettings {
  name: string;
  arn: string;
  lz: boolean;
  description?: string;
}

export interface ExportsRead {
  region: string;
  export?: LiveExport;
  leftovers: LiveExport[];
}

export function queryStatement(columns: string[], table: string): string {
  return `SELECT ${columns.join(', ')} FROM ${table}`;
}

/** `SELECT a, b FROM T` → columns and table (the query lz writes; anything else is shown as it is). */
export function parseQuery(statement: string): { columns: string[]; table: string } {
  const m = /^\s*SELECT\s+([\s\S]+?)\s+FROM\s+([A-Za-z0-9_]+)/i.exec(statement);
  if (!m) return { columns: [statement], table: '' };
  return { columns: m[1]!.split(',').map((c) => c.trim()).filter(Boolean), table: m[2]! };
}

function fromAws(e: Export, arn: string, lz: boolean): LiveExport {
  const q = parseQuery(e.DataQuery?.QueryStatement ?? '');
  const dest = e.DestinationConfigurations?.S3Destination;
  const out = dest?.S3OutputConfigurations;
  return {
    name: e.Name ?? '',
    arn,
    lz,
    ...(e.Description ? { description: e.Description } : {}),
    bucket: dest?.S3Bucket ?? '',
    prefix: dest?.S3Prefix ?? '',
    region: dest?.S3Region ?? '',
    table: q.table,
    columns: q.columns,
    tableConfiguration: e.DataQuery?.TableConfigurations?.[q.table] ?? {},
    format: out?.Format ?? '',
    compression: out?.Compression ?? '',
    overwrite: out?.Overwrite ?? '',
    refreshCadence: e.RefreshCadence?.Frequency ?? '',
  };
}

function toAws(want: CostExportAfter): Export {
  return {
    Name: want.name,
    Description: 'CUR 2.0 cost and usage export, managed by lz',
    DataQuery: { QueryStatement: queryStatement(want.columns, want.table), TableConfigurations: { [want.table]: want.tableConfiguration } },
    DestinationConfigurations: {
      S3Destination: {
        S3Bucket: want.bucket,
        S3Prefix: want.prefix,
        S3Region: want.region,
        S3OutputConfigurations: { OutputType: 'CUSTOM', Format: want.format as never, Compression: want.compression as never, Overwrite: want.overwrite as never },
      },
    },
    RefreshCadence: { Frequency: want.refreshCadence as never },
  };
}

/** Field by field; columns one by one (`+ column = "x"`, `- column = "y"`). */
export function exportFields(want: CostExportSettings, have: CostExportSettings): FieldChange[] {
  const { columns: wc, tableConfiguration: wt, ...wRest } = want;
  const { columns: hc, tableConfiguration: ht, ...hRest } = have;
  const fields = fieldDiff(wRest as unknown as Record<string, unknown>, hRest as unknown as Record<string, unknown>);
  for (const [key, value] of Object.entries(wt)) if (!sameValue(ht[key], value)) fields.push({ field: `tableConfiguration.${key}`, before: ht[key] ?? null, after: value });
  for (const c of wc) if (!hc.includes(c)) fields.push({ field: 'column', before: null, after: c });
  for (const c of hc) if (!wc.includes(c)) fields.push({ field: 'column', before: c, after: null });
  return fields;
}

/**
 * A Data Exports (bcm-data-exports) CUR 2.0 export from the management account (so it covers every
 * account of the organization): daily granularity with resource ids, Parquet, overwritten in place,
 * refreshed as the data updates (SYNCHRONOUS, the one cadence AWS offers, up to three times a day), to the
 * log archive bucket under `cost-export/` (or a bucket of its own). Data Exports is served from us-east-1.
 */
export const costExport: OrganizationResource = {
  kind: 'cost-export',
  scope: 'organization',

  async read(ctx): Promise<ExportsRead> {
    const region = ctx.aws.options.region;
    const model = modelFor(ctx, region);
    const client = ctx.aws.management.bcmDataExports;
    return tolerantRead(
      ctx,
      Boolean(model.costExport),
      'data exports',
      async () => {
        const refs: { arn: string; name: string }[] = [];
        for await (const page of paginateListExports({ client }, {})) {
          for (const e of page.Exports ?? []) if (e.ExportArn && e.ExportName) refs.push({ arn: e.ExportArn, name: e.ExportName });
        }
        const tagged = await Promise.all(refs.map(async (r) => lzTagged((await client.send(new ListTagsForResourceCommand({ ResourceArn: r.arn }))).ResourceTags)));
        const named = refs.findIndex((r) => r.name === model.costExport?.name);
        const wanted = refs.filter((r, i) => i === named || tagged[i]);
        const full = await Promise.all(wanted.map(async (r) => fromAws((await client.send(new GetExportCommand({ ExportArn: r.arn }))).Export ?? ({} as Export), r.arn, tagged[refs.indexOf(r)]!)));
        const exp = named >= 0 ? full[wanted.indexOf(refs[named]!)] : undefined;
        return { region, ...(exp ? { export: exp } : {}), leftovers: full.filter((e) => e !== exp) };
      },
      { region, leftovers: [] },
    );
  },

  plan(input) {
    const read = (input.live?.get('cost-export') as ExportsRead | undefined) ?? { region: 'us-east-1', leftovers: [] };
    const model = modelFor(input, read.region);
    const changes: Change[] = [];
    const unmanaged: Unmanaged[] = [];
    if (model.costExport) {
      const want: CostExportAfter = {
        name: model.costExport.name,
        bucket: model.costExport.bucket,
        prefix: model.costExport.prefix,
        region: read.region,
        table: CUR2_TABLE,
        columns: CUR2_COLUMNS,
        tableConfiguration: CUR2_TABLE_CONFIGURATION,
        format: 'PARQUET',
        compression: 'PARQUET',
        overwrite: 'OVERWRITE_REPORT',
        refreshCadence: 'SYNCHRONOUS',
      };
      const dependsOn = [bucketAddress(want.bucket), bucketPolicyAddress(want.bucket)];
      const have = read.export;
      if (!have) {
        changes.push({ address: costExportAddress(want.name), kind: 'cost-export', action: 'create', before: null, after: { ...want, columns: `${want.columns.length} CUR 2.0 columns` }, dependsOn });
      } else {
        const { name: _n, arn, lz: _l, description: _d, ...settings } = have;
        const { name: _w, ...wantSettings } = want;
        const fields = exportFields(wantSettings, settings);
        if (fields.length > 0) changes.push({ address: costExportAddress(want.name), kind: 'cost-export', action: 'update', before: { ...settings, arn }, after: { ...want, arn }, fields, dependsOn });
      }
    }
    for (const left of read.leftovers) {
      if (!left.lz) continue;
      if (input.prune) changes.push({ address: costExportAddress(left.name), kind: 'cost-export', action: 'delete', before: { name: left.name, arn: left.arn, bucket: left.bucket }, after: null });
      else unmanaged.push({ address: costExportAddress(left.name), kind: 'cost-export', description: `cost export ${left.name} (made by lz; accounts.yaml asks for no such export; --prune deletes it, delivered files stay in ${left.bucket})` });
    }
    return { changes, unmanaged };
  },

  async apply(ctx, change) {
    const client = ctx.aws.management.bcmDataExports;
    if (change.action === 'delete') {
      const { arn } = change.before as { arn: string };
      try {
        await client.send(new DeleteExportCommand({ ExportArn: arn }));
      } catch (err) {
        if (!isError(err, 'ResourceNotFoundException')) throw err;
      }
      return;
    }
    const after = change.after as CostExportAfter & { arn?: string; columns: string[] | string };
    const want: CostExportAfter = { ...after, columns: CUR2_COLUMNS };
    let arn = after.arn;
    if (!arn) {
      try {
        await client.send(new CreateExportCommand({ Export: toAws(want), ResourceTags: [{ Key: LZ_TAG_KEY, Value: COST_EXPORT_TAG_VALUE }] }));
        return;
      } catch (err) {
        // Made by an earlier, interrupted run: find it and bring it in line.
        if (!isError(err, 'ValidationException') || !/already exists/i.test((err as Error).message)) throw err;
        for await (const page of paginateListExports({ client }, {})) arn ??= page.Exports?.find((e) => e.ExportName === want.name)?.ExportArn;
        if (!arn) throw err;
      }
    }
    await client.send(new UpdateExportCommand({ ExportArn: arn, Export: toAws(want) }));
  },
};
