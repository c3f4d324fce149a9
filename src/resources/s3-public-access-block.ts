import { GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, type PublicAccessBlockConfiguration } from '@aws-sdk/client-s3-control';
import * as z from 'zod';
import { ignoreCodes } from '../aws/aws-errors.js';
import { defineAccountKind } from '../core/module.js';
import { reads, writes } from '../core/permissions.js';
import { everyFieldDiff, singletonDiff } from '../core/reconcile.js';
import { accountSection } from '../manifest/sections.js';

export const s3PublicAccessBlockAddress = (account: string) => `${account}.s3-public-access-block`;

const setting = (what: string) => z.boolean().default(true).describe(what);

export const s3PublicAccessBlockSchema = z
  .strictObject({
    blockPublicAcls: setting('Refuse requests that add a public ACL to a bucket or object (BlockPublicAcls).'),
    ignorePublicAcls: setting('Ignore every public ACL on buckets and objects (IgnorePublicAcls).'),
    blockPublicPolicy: setting('Refuse bucket policies that grant public access (BlockPublicPolicy).'),
    restrictPublicBuckets: setting('Limit buckets with a public policy to AWS services and the account itself (RestrictPublicBuckets).'),
  })
  .describe("The account's S3 Block Public Access settings (s3control PutPublicAccessBlock), for every bucket in it.");

/** The four settings in the manifest's words. */
export type PublicAccessBlock = z.output<typeof s3PublicAccessBlockSchema>;

/** `s3PublicAccessBlock` under `defaults` or an account, merged key by key. */
export const s3PublicAccessBlockSection = accountSection({
  key: 's3PublicAccessBlock',
  schema: s3PublicAccessBlockSchema,
  inherit: 'merge',
  factorable: true,
  summary: () => ['s3-block-public-access'],
});

const FIELDS: (keyof PublicAccessBlock & string)[] = ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'];

function fromAws(c: PublicAccessBlockConfiguration): PublicAccessBlock {
  return {
    blockPublicAcls: c.BlockPublicAcls ?? false,
    ignorePublicAcls: c.IgnorePublicAcls ?? false,
    blockPublicPolicy: c.BlockPublicPolicy ?? false,
    restrictPublicBuckets: c.RestrictPublicBuckets ?? false,
  };
}

/** Apply's instruction: the four settings to put (PutPublicAccessBlock replaces all four). */
const payload = z.strictObject({ put: s3PublicAccessBlockSchema });
type Payload = z.output<typeof payload>;

/**
 * Account-level S3 Block Public Access (CIS AWS Foundations 2.1.4, Security Hub S3.1): all four settings,
 * which hold for every bucket of the account whatever the bucket's own settings say. One call per account to
 * read (GetPublicAccessBlock with the account's id, through its access role), one to put. lz never turns
 * it off: an account the file declares nothing for is reported, even with --prune; to relax a setting, write
 * it as false.
 */
export const s3PublicAccessBlock = defineAccountKind<PublicAccessBlock, PublicAccessBlock, Payload>({
  kind: 's3-public-access-block',
  permissions: { account: [reads('s3:GetAccountPublicAccessBlock'), writes('s3:PutAccountPublicAccessBlock')] },
  sections: [s3PublicAccessBlockSection],
  payload,

  desired: (account) => s3PublicAccessBlockSection.of(account),

  // Read whatever the file says: drift's posture check wants the setting of every account.
  read: async (ctx) => {
    const out = await ignoreCodes(ctx.clients.s3Control.send(new GetPublicAccessBlockCommand({ AccountId: ctx.accountId })), ['NoSuchPublicAccessBlockConfiguration']);
    return out?.PublicAccessBlockConfiguration ? fromAws(out.PublicAccessBlockConfiguration) : undefined;
  },

  diff: (want, have, { account, prune }) =>
    singletonDiff({
      address: s3PublicAccessBlockAddress(account.name),
      kind: 's3-public-access-block',
      account: account.name,
      want,
      have,
      prune,
      fields: (w, h) => everyFieldDiff(FIELDS, w, h),
      payload: { put: (w): Payload => ({ put: w }) },
      unmanaged: (h) => `S3 Block Public Access on account ${account.name} (${FIELDS.filter((f) => h[f]).join(', ') || 'all off'}); accounts.yaml declares none, and lz never turns it off`,
    }),

  toManifest: (have) => ({ [s3PublicAccessBlockSection.key]: have }),

  async apply(ctx, { payload: { put } }) {
    await ctx.clients.s3Control.send(
      new PutPublicAccessBlockCommand({
        AccountId: ctx.accountId,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: put.blockPublicAcls,
          IgnorePublicAcls: put.ignorePublicAcls,
          BlockPublicPolicy: put.blockPublicPolicy,
          RestrictPublicBuckets: put.restrictPublicBuckets,
        },
      }),
    );
  },

  posture: [
    {
      id: 's3-account-public-access-block',
      cis: '2.1.4',
      control: 'S3.1',
      title: 'S3 Block Public Access is on for the account (all four settings)',
      evaluate: ({ have }) => {
        const off = have ? FIELDS.filter((f) => !have[f]) : [...FIELDS];
        if (off.length === 0) return { failing: [], detail: 'all four settings are on' };
        return { failing: off, detail: have ? `settings off: ${off.join(', ')}` : 'the account has no Block Public Access configuration (every setting off)' };
      },
    },
  ],
});
