import {
  CreateExportCommand,
  DeleteExportCommand,
  GetExportCommand,
  ListTagsForResourceCommand,
  UpdateExportCommand,
  paginateListExports,
  type BCMDataExportsClient,
  type Export,
} from '@aws-sdk/client-bcm-data-exports';
import { LzError } from '../errors.js';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import { defineOrganizationKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import type { Change, FieldChange, Unmanaged } from '../core/plan.js';
import { MANAGED_BY_TAG, fieldDiff, hasManagedByTag } from '../core/reconcile.js';
import { sameValue } from '../core/values.js';
import { bucketAddress, bucketPolicyAddress } from './delivery-buckets.js';
import { costExportSection, readModel, servicesModel, tolerantRead } from './organization-services.js';

export const costExportAddress = (name: string) => `cost-export:${name}`;
export const COST_EXPORT_TAG_VALUE = 'cost-export';
export const CUR2_TABLE = 'COST_AND_USAGE_REPORT';

/** `organization.costExport`. */

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

/** The export in the plan's words, as read (AWS may answer values lz never writes). */
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

export interface LiveExport extends CostExportSettings {
  name: string;
  arn: string;
  lz: boolean;
  description?: string;
}

export interface ExportsRead {
  export?: LiveExport;
  leftovers: LiveExport[];
  /** Exports lz did not make (no `lz:managed` tag) and the file does not name, by name: never lz's to touch. */
  others?: string[];
}

/** The export lz writes: every column named (the plan shows only their count). */
const exportConfig = z.strictObject({
  name: z.string(),
  bucket: z.string(),
  prefix: z.string(),
  region: z.string(),
  table: z.string(),
  columns: z.array(z.string()),
  tableConfiguration: z.record(z.string(), z.string()),
  format: z.enum(['PARQUET', 'TEXT_OR_CSV']),
  compression: z.enum(['PARQUET', 'GZIP']),
  overwrite: z.enum(['OVERWRITE_REPORT', 'CREATE_NEW_REPORT']),
  refreshCadence: z.enum(['SYNCHRONOUS']),
});
type ExportConfig = z.output<typeof exportConfig>;

/** Apply's instruction: create the export (no `arn`) or update the one at `arn`; or delete a leftover lz made. */
const payload = z.union([z.strictObject({ put: exportConfig, arn: z.string().optional() }), z.strictObject({ delete: z.strictObject({ arn: z.string() }) })]);
type Payload = z.output<typeof payload>;

/** The CUR 2.0 export lz writes for `organization.costExport`, delivered from `region`. */
export function cur2Export(where: { name: string; bucket: string; prefix: string }, region: string): ExportConfig {
  return {
    name: where.name,
    bucket: where.bucket,
    prefix: where.prefix,
    region,
    table: CUR2_TABLE,
    columns: CUR2_COLUMNS,
    tableConfiguration: CUR2_TABLE_CONFIGURATION,
    format: 'PARQUET',
    compression: 'PARQUET',
    overwrite: 'OVERWRITE_REPORT',
    refreshCadence: 'SYNCHRONOUS',
  };
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

/** An export as GetExport answers it; one gone between the listing and the read shows as empty. */
function fromAws(e: Export | undefined, arn: string, lz: boolean): LiveExport {
  const q = parseQuery(e?.DataQuery?.QueryStatement ?? '');
  const dest = e?.DestinationConfigurations?.S3Destination;
  const out = dest?.S3OutputConfigurations;
  return {
    name: e?.Name ?? '',
    arn,
    lz,
    ...(e?.Description ? { description: e.Description } : {}),
    bucket: dest?.S3Bucket ?? '',
    prefix: dest?.S3Prefix ?? '',
    region: dest?.S3Region ?? '',
    table: q.table,
    columns: q.columns,
    tableConfiguration: e?.DataQuery?.TableConfigurations?.[q.table] ?? {},
    format: out?.Format ?? '',
    compression: out?.Compression ?? '',
    overwrite: out?.Overwrite ?? '',
    refreshCadence: e?.RefreshCadence?.Frequency ?? '',
  };
}

function toAws(want: ExportConfig): Export {
  return {
    Name: want.name,
    Description: 'CUR 2.0 cost and usage export, managed by lz',
    DataQuery: { QueryStatement: queryStatement(want.columns, want.table), TableConfigurations: { [want.table]: want.tableConfiguration } },
    DestinationConfigurations: {
      S3Destination: {
        S3Bucket: want.bucket,
        S3Prefix: want.prefix,
        S3Region: want.region,
        S3OutputConfigurations: { OutputType: 'CUSTOM', Format: want.format, Compression: want.compression, Overwrite: want.overwrite },
      },
    },
    RefreshCadence: { Frequency: want.refreshCadence },
  };
}

/** Field by field; columns one by one (`+ column = "x"`, `- column = "y"`). */
export function exportFields(want: CostExportSettings, have: CostExportSettings): FieldChange[] {
  const { columns: wc, tableConfiguration: wt, ...wRest } = want;
  const { columns: hc, tableConfiguration: ht, ...hRest } = have;
  const fields = fieldDiff(wRest, hRest);
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
export const costExport = defineOrganizationKind<ExportsRead, Payload>({
  kind: 'cost-export',
  permissions: {
    management: [
      reads('bcm-data-exports:GetExport', 'bcm-data-exports:ListExports', 'bcm-data-exports:ListTagsForResource'),
      writes('bcm-data-exports:CreateExport', 'bcm-data-exports:UpdateExport', 'bcm-data-exports:DeleteExport'),
      { ...writes('bcm-data-exports:TagResource'), madeByAws: 'CreateExport with ResourceTags (the lz:managed tag) is also authorized as bcm-data-exports:TagResource, tag-on-create' },
      { ...writes('cur:PutReportDefinition'), madeByAws: 'Data Exports checks it when CreateExport and UpdateExport make a CUR 2.0 export' },
    ],
  },
  sections: [costExportSection],
  payload,

  async read(ctx) {
    const model = readModel(ctx);
    const client = ctx.aws.management.bcmDataExports;
    return tolerantRead<ExportsRead>(
      ctx,
      Boolean(model.costExport),
      'data exports',
      async () => {
        const refs: { arn: string; name: string }[] = [];
        for await (const page of paginateListExports({ client }, {})) {
          for (const e of page.Exports ?? []) if (e.ExportArn && e.ExportName) refs.push({ arn: e.ExportArn, name: e.ExportName });
        }
        const tagged = await Promise.all(refs.map(async (r) => hasManagedByTag((await client.send(new ListTagsForResourceCommand({ ResourceArn: r.arn }))).ResourceTags)));
        const named = refs.findIndex((r) => r.name === model.costExport?.name);
        const wanted = refs.filter((r, i) => i === named || tagged[i]);
        const full = await Promise.all(wanted.map(async (r) => fromAws((await client.send(new GetExportCommand({ ExportArn: r.arn }))).Export, r.arn, tagged[refs.indexOf(r)]!)));
        const exp = named >= 0 ? full[wanted.indexOf(refs[named]!)] : undefined;
        const others = refs.filter((r, i) => i !== named && !tagged[i]).map((r) => r.name);
        return { ...(exp ? { export: exp } : {}), leftovers: full.filter((e) => e !== exp), others };
      },
      { leftovers: [] },
    );
  },

  plan(input, live) {
    const model = servicesModel(input);
    const changes: Change<Payload>[] = [];
    const unmanaged: Unmanaged[] = [];
    if (model.costExport) {
      const want = cur2Export(model.costExport, input.region);
      const dependsOn = [bucketAddress(want.bucket), bucketPolicyAddress(want.bucket)];
      const have = live?.export;
      if (!have) {
        // The plan shows how many columns; the payload names them.
        const after = { ...want, columns: `${want.columns.length} CUR 2.0 columns` };
        changes.push({ address: costExportAddress(want.name), kind: 'cost-export', action: 'create', before: null, after, payload: { put: want }, dependsOn });
      } else {
        const { name: _n, arn, lz: _l, description: _d, ...settings } = have;
        const { name: _w, ...wantSettings } = want;
        const fields = exportFields(wantSettings, settings);
        if (fields.length > 0) {
          changes.push({ address: costExportAddress(want.name), kind: 'cost-export', action: 'update', before: { ...settings, arn }, after: { ...want, arn }, fields, payload: { put: want, arn }, dependsOn });
        }
      }
    }
    for (const left of live?.leftovers ?? []) {
      if (!left.lz) continue;
      if (input.prune) {
        const before = { name: left.name, arn: left.arn, bucket: left.bucket };
        changes.push({ address: costExportAddress(left.name), kind: 'cost-export', action: 'delete', before, after: null, payload: { delete: { arn: left.arn } } });
      } else {
        unmanaged.push({ address: costExportAddress(left.name), kind: 'cost-export', description: `cost export ${left.name} (made by lz; accounts.yaml asks for no such export; --prune deletes it, delivered files stay in ${left.bucket})`, prunable: true });
      }
    }
    return { changes, unmanaged };
  },

  // Import writes back the export lz made (tagged), as the trail does; one it did not make is only named.
  toManifest(live) {
    const mine = live?.export?.lz ? live.export : [...(live?.leftovers ?? [])].filter((e) => e.lz).sort((a, b) => a.name.localeCompare(b.name))[0];
    return mine ? costExportSection.fields({ name: mine.name, bucket: mine.bucket }) : undefined;
  },

  importNotes(live) {
    const others = [...(live?.others ?? []), ...(live?.export && !live.export.lz ? [live.export.name] : [])];
    return others.map(
      (name) => `data export ${name} was not made by lz (no ${MANAGED_BY_TAG} tag), so it is not in the file; lz never changes or deletes it`,
    );
  },

  async apply(ctx, { payload: p }) {
    const client = ctx.aws.management.bcmDataExports;
    if ('delete' in p) {
      await ignoreCodes(client.send(new DeleteExportCommand({ ExportArn: p.delete.arn })), ['ResourceNotFoundException']);
      return;
    }
    const want = p.put;
    // A plan that says "create" may be older than the export: an earlier, interrupted apply made it.
    const arn = p.arn ?? (await exportMadeByLz(client, want.name));
    if (!arn) {
      await client.send(new CreateExportCommand({ Export: toAws(want), ResourceTags: [{ Key: MANAGED_BY_TAG, Value: COST_EXPORT_TAG_VALUE }] }));
      return;
    }
    await client.send(new UpdateExportCommand({ ExportArn: arn, Export: toAws(want) }));
  },
});

/**
 * The ARN of the export named `name` when lz made it (its lz:managed tag), read back from ListExports: Data
 * Exports documents no error of its own for a name in use, so CreateExport's answer cannot tell lz it is there.
 * One someone else made since the plan is not taken over without a plan that shows it.
 */
async function exportMadeByLz(client: BCMDataExportsClient, name: string): Promise<string | undefined> {
  let arn: string | undefined;
  for await (const page of paginateListExports({ client }, {})) arn ??= page.Exports?.find((e) => e.ExportName === name)?.ExportArn;
  if (!arn) return undefined;
  if (hasManagedByTag((await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).ResourceTags)) return arn;
  throw new LzError('cost-export-exists', `Cost export ${name} was made since the plan, and not by lz (it has no ${MANAGED_BY_TAG} tag).`, {
    hint: 'Run lz plan again to see what lz would change in it, or give organization.costExport another name.',
  });
}
