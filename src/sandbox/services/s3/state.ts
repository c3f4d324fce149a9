import type { AccountRecord } from '../../state.js';

/** S3's part of the state: the buckets each account owns (bucket names are unique across all accounts). */

declare module '../../state.js' {
  interface AccountRecord {
    /** S3 buckets this account owns, keyed by name. */
    s3?: Record<string, S3BucketRecord>;
  }
}

/** S3's Block Public Access settings, on a bucket (S3) or on a whole account (S3 Control): the same four flags. */
export interface PublicAccessBlockConfiguration {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface S3BucketRecord {
  name: string;
  region: string;
  createdAt: string;
  /** The bucket policy JSON, stored verbatim. */
  policy?: string;
  /** Absent after DeletePublicAccessBlock; new buckets get all four true, as on AWS since April 2023. */
  publicAccessBlock?: PublicAccessBlockConfiguration;
  /** Default-encryption rules as sent (SSE-S3 AES256 unless changed, as on AWS since January 2023). */
  encryption: { SSEAlgorithm: string; KMSMasterKeyID?: string; BucketKeyEnabled?: boolean }[];
  versioning?: 'Enabled' | 'Suspended';
  tags?: { Key: string; Value: string }[];
  objects: Record<string, S3ObjectRecord>;
}

export interface S3ObjectRecord {
  /** The object's bytes, base64 (the state stays JSON). */
  body: string;
  etag: string;
  size: number;
  lastModified: string;
  contentType: string;
  metadata: Record<string, string>;
  versionId?: string;
}

/** The account's buckets, created empty on first use. */
export function s3State(account: AccountRecord): Record<string, S3BucketRecord> {
  account.s3 ??= {};
  return account.s3;
}
