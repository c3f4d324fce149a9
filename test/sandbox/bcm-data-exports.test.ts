import {
  BCMDataExportsClient,
  CreateExportCommand,
  DeleteExportCommand,
  GetExportCommand,
  ListExportsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  UpdateExportCommand,
  ValidationException,
  paginateListExports,
  type Export,
} from '@aws-sdk/client-bcm-data-exports';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { clientConfig, failure } from './clients.js';

let sb: SandboxHandle;
let bcm: BCMDataExportsClient;

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  bcm = new BCMDataExportsClient(clientConfig(sb));
});

afterAll(async () => {
  bcm.destroy();
  await sb.close();
});

function cur2(name: string, bucket = 'lz-cur', extra: Partial<Export> = {}): Export {
  return {
    Name: name,
    DataQuery: {
      QueryStatement: 'SELECT identity_line_item_id, line_item_unblended_cost FROM COST_AND_USAGE_REPORT',
      TableConfigurations: { COST_AND_USAGE_REPORT: { TIME_GRANULARITY: 'HOURLY', INCLUDE_RESOURCES: 'FALSE' } },
    },
    DestinationConfigurations: {
      S3Destination: {
        S3Bucket: bucket,
        S3Prefix: 'cur2',
        S3Region: 'us-east-1',
        S3OutputConfigurations: { OutputType: 'CUSTOM', Format: 'PARQUET', Compression: 'PARQUET', Overwrite: 'OVERWRITE_REPORT' },
      },
    },
    RefreshCadence: { Frequency: 'SYNCHRONOUS' },
    ...extra,
  };
}

describe('exports', () => {
  it('creates an export with an ARN naming the account and export, and reads it back', async () => {
    const { ExportArn } = await bcm.send(new CreateExportCommand({ Export: cur2('lz-cur2'), ResourceTags: [{ Key: 'owner', Value: 'lz' }] }));
    expect(ExportArn).toMatch(new RegExp(`^arn:aws:bcm-data-exports:us-east-1:${sb.managementAccountId}:export/lz-cur2-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
    const got = await bcm.send(new GetExportCommand({ ExportArn }));
    expect(got.Export).toEqual({ ExportArn, ...cur2('lz-cur2') });
    expect(got.ExportStatus?.CreatedAt).toBeInstanceOf(Date);
    expect((await bcm.send(new ListTagsForResourceCommand({ ResourceArn: ExportArn }))).ResourceTags).toEqual([{ Key: 'owner', Value: 'lz' }]);
  });

  it('is UNHEALTHY (INSUFFICIENT_PERMISSION) until the bucket exists and lets bcm-data-exports write', async () => {
    const { ExportArn } = await bcm.send(new CreateExportCommand({ Export: cur2('lz-health', 'lz-cur-health') }));
    expect((await bcm.send(new GetExportCommand({ ExportArn }))).ExportStatus).toMatchObject({ StatusCode: 'UNHEALTHY', StatusReason: 'INSUFFICIENT_PERMISSION' });
    const s3 = new S3Client({ ...clientConfig(sb), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'lz-cur-health' }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'lz-cur-health',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: ['billingreports.amazonaws.com', 'bcm-data-exports.amazonaws.com'] }, Action: ['s3:PutObject', 's3:GetBucketPolicy'], Resource: ['arn:aws:s3:::lz-cur-health', 'arn:aws:s3:::lz-cur-health/*'] }],
        }),
      }),
    );
    s3.destroy();
    const status = (await bcm.send(new GetExportCommand({ ExportArn }))).ExportStatus!;
    expect(status.StatusCode).toBe('HEALTHY');
    expect(status.StatusReason).toBeUndefined();
  });

  it('refuses a duplicate name, bad enums, mismatched format/compression and an unknown table with ValidationException', async () => {
    await bcm.send(new CreateExportCommand({ Export: cur2('lz-dup') }));
    expect(await failure(() => bcm.send(new CreateExportCommand({ Export: cur2('lz-dup') })))).toBeInstanceOf(ValidationException);
    const badFrequency = cur2('lz-bad-1', 'lz-cur', { RefreshCadence: { Frequency: 'DAILY' as 'SYNCHRONOUS' } });
    expect(await failure(() => bcm.send(new CreateExportCommand({ Export: badFrequency })))).toBeInstanceOf(ValidationException);
    const mismatched = cur2('lz-bad-2');
    mismatched.DestinationConfigurations!.S3Destination!.S3OutputConfigurations!.Format = 'TEXT_OR_CSV';
    const e = await failure(() => bcm.send(new CreateExportCommand({ Export: mismatched })));
    expect(e).toBeInstanceOf(ValidationException);
    expect((e as ValidationException).Reason).toBe('fieldValidationFailed');
    expect((e as ValidationException).Fields?.[0]?.Name).toContain('compression');
    const unknownTable = cur2('lz-bad-3', 'lz-cur', { DataQuery: { QueryStatement: 'SELECT a FROM NO_SUCH_TABLE' } });
    expect(await failure(() => bcm.send(new CreateExportCommand({ Export: unknownTable })))).toBeInstanceOf(ValidationException);
    const badName = cur2('bad name with spaces');
    expect(await failure(() => bcm.send(new CreateExportCommand({ Export: badName })))).toBeInstanceOf(ValidationException);
    const names = (await bcm.send(new ListExportsCommand({ MaxResults: 100 }))).Exports!.map((x) => x.ExportName);
    expect(names.filter((n) => n?.startsWith('lz-bad'))).toEqual([]);
  });

  it('updates an export in place (the name cannot change) and deletes it; ResourceNotFoundException afterwards', async () => {
    const { ExportArn } = await bcm.send(new CreateExportCommand({ Export: cur2('lz-update') }));
    const csv = cur2('lz-update');
    csv.DestinationConfigurations!.S3Destination!.S3OutputConfigurations = { OutputType: 'CUSTOM', Format: 'TEXT_OR_CSV', Compression: 'GZIP', Overwrite: 'CREATE_NEW_REPORT' };
    expect((await bcm.send(new UpdateExportCommand({ ExportArn, Export: csv }))).ExportArn).toBe(ExportArn);
    expect((await bcm.send(new GetExportCommand({ ExportArn }))).Export?.DestinationConfigurations?.S3Destination?.S3OutputConfigurations?.Format).toBe('TEXT_OR_CSV');
    expect(await failure(() => bcm.send(new UpdateExportCommand({ ExportArn, Export: cur2('lz-renamed') })))).toBeInstanceOf(ValidationException);

    expect((await bcm.send(new DeleteExportCommand({ ExportArn }))).ExportArn).toBe(ExportArn);
    for (const call of [() => bcm.send(new GetExportCommand({ ExportArn })), () => bcm.send(new DeleteExportCommand({ ExportArn })), () => bcm.send(new UpdateExportCommand({ ExportArn, Export: csv }))]) {
      const e = await failure(call);
      expect(e).toBeInstanceOf(ResourceNotFoundException);
      expect(e.$metadata?.httpStatusCode).toBe(404);
    }
    expect(await failure(() => bcm.send(new GetExportCommand({ ExportArn: 'not-an-arn-at-all-really' })))).toBeInstanceOf(ValidationException);
  });

  it('lists exports in pages and only the caller account’s', async () => {
    for (let i = 0; i < 6; i++) await bcm.send(new CreateExportCommand({ Export: cur2(`lz-page-${i}`) }));
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListExports({ client: bcm }, {})) {
      pages++;
      names.push(...(page.Exports ?? []).map((x) => x.ExportName!));
    }
    expect(pages).toBeGreaterThan(1);
    expect(names.filter((n) => n.startsWith('lz-page-'))).toEqual(['lz-page-0', 'lz-page-1', 'lz-page-2', 'lz-page-3', 'lz-page-4', 'lz-page-5']);
    expect(await failure(() => bcm.send(new ListExportsCommand({ NextToken: 'forged' })))).toBeInstanceOf(ValidationException);
  });
});
