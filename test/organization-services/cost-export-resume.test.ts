import { BCMDataExportsClient, CreateExportCommand, GetExportCommand, ListExportsCommand, ListTagsForResourceCommand, type Export } from '@aws-sdk/client-bcm-data-exports';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccountClients } from '../../src/aws/context.js';
import type { ApplyContext } from '../../src/core/module.js';
import { CUR2_COLUMNS, CUR2_TABLE, costExport, cur2Export, queryStatement } from '../../src/resources/cost-export.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';

/**
 * An apply that dies after CreateExport leaves the export in AWS while the saved plan still says "create".
 * The next apply must find that export by reading it back (name and lz's tag), not by what CreateExport's
 * error message says: Data Exports documents no error of its own for a name in use.
 */
describe('cost export: an apply interrupted after CreateExport', () => {
  let sb: SandboxHandle;
  let bcm: BCMDataExportsClient;
  let clients: AccountClients;
  const config = () => ({ region: 'us-east-1', endpoint: sb.endpoint, maxAttempts: 1, credentials: sb.managementCredentials });

  const want = cur2Export({ name: 'lz-cost-export', bucket: 'lz-cost-export-bucket', prefix: 'cost-export' }, 'us-east-1');
  const create = () => ({ address: `cost-export:${want.name}`, kind: 'cost-export', action: 'create' as const, before: null, after: want, payload: costExport.payload.parse({ put: want }) });
  const ctx = () => ({ aws: { management: clients }, progress: () => {} }) as unknown as ApplyContext;

  /** An export of that name as an earlier run (or someone else) made it: another prefix and query. */
  const earlier = (): Export => ({
    Name: want.name,
    DataQuery: { QueryStatement: 'SELECT line_item_unblended_cost FROM COST_AND_USAGE_REPORT', TableConfigurations: { COST_AND_USAGE_REPORT: { TIME_GRANULARITY: 'HOURLY' } } },
    DestinationConfigurations: {
      S3Destination: { S3Bucket: want.bucket, S3Prefix: 'old-prefix', S3Region: 'us-east-1', S3OutputConfigurations: { OutputType: 'CUSTOM', Format: 'PARQUET', Compression: 'PARQUET', Overwrite: 'OVERWRITE_REPORT' } },
    },
    RefreshCadence: { Frequency: 'SYNCHRONOUS' },
  });

  const exportsCalls = () => sb.requests().filter((r) => r.service === 'bcm-data-exports');
  async function held(): Promise<{ arn: string; export: Export; tags: { Key?: string; Value?: string }[] }[]> {
    const refs = (await bcm.send(new ListExportsCommand({ MaxResults: 100 }))).Exports ?? [];
    return Promise.all(
      refs.map(async (r) => ({
        arn: r.ExportArn!,
        export: (await bcm.send(new GetExportCommand({ ExportArn: r.ExportArn }))).Export!,
        tags: (await bcm.send(new ListTagsForResourceCommand({ ResourceArn: r.ExportArn }))).ResourceTags ?? [],
      })),
    );
  }

  beforeAll(async () => {
    sb = await startSandbox({ port: 0 });
    bcm = new BCMDataExportsClient(config());
    clients = new AccountClients(undefined, { ...config(), retryMode: 'standard' });
  });
  afterEach(async () => {
    for (const e of await held()) delete sb.state.accounts[sb.managementAccountId]!.dataExports![e.arn];
    sb.clearRequests();
  });
  afterAll(async () => {
    clients.destroy();
    bcm.destroy();
    await sb.close();
  });

  it('finds the export the earlier run made and brings it in line, without a refused CreateExport', async () => {
    const tags = [{ Key: 'lz:managed', Value: 'cost-export' }];
    const { ExportArn } = await bcm.send(new CreateExportCommand({ Export: earlier(), ResourceTags: tags }));
    sb.clearRequests();

    await costExport.apply(ctx(), create());
    await costExport.apply(ctx(), create());

    // Read back, not tried and refused: no call answered with an error, and no second CreateExport.
    expect(exportsCalls().filter((r) => r.status !== 200)).toEqual([]);
    expect(exportsCalls().filter((r) => !r.readOnly).map((r) => r.operation)).toEqual(['UpdateExport', 'UpdateExport']);
    const now = await held();
    expect(now.map((e) => e.arn)).toEqual([ExportArn]);
    expect(now[0]!.export.DestinationConfigurations?.S3Destination?.S3Prefix).toBe('cost-export');
    expect(now[0]!.export.DataQuery?.QueryStatement).toBe(queryStatement(CUR2_COLUMNS, CUR2_TABLE));
    expect(now[0]!.tags).toEqual(tags);
  });

  it('creates the export, tagged as lz\'s, when there is none', async () => {
    await costExport.apply(ctx(), create());
    expect(exportsCalls().filter((r) => !r.readOnly).map((r) => `${r.operation} ${r.status}`)).toEqual(['CreateExport 200']);
    const now = await held();
    expect(now.map((e) => [e.export.Name, e.tags])).toEqual([[want.name, [{ Key: 'lz:managed', Value: 'cost-export' }]]]);
  });

  it('does not take over an export of that name someone else made since the plan, and says what to do', async () => {
    const { ExportArn } = await bcm.send(new CreateExportCommand({ Export: earlier(), ResourceTags: [{ Key: 'team', Value: 'finance' }] }));
    sb.clearRequests();
    await expect(costExport.apply(ctx(), create())).rejects.toMatchObject({ code: 'cost-export-exists', hint: expect.stringContaining('lz plan') as unknown });
    expect(exportsCalls().filter((r) => !r.readOnly)).toEqual([]);
    const now = await held();
    expect(now.map((e) => [e.arn, e.export.DestinationConfigurations?.S3Destination?.S3Prefix])).toEqual([[ExportArn, 'old-prefix']]);
  });
});
