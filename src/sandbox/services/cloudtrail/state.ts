import type { AccountRecord } from '../../state.js';

/** CloudTrail's part of the state: each account's trails. */

declare module '../../state.js' {
  interface AccountRecord {
    /** CloudTrail trails keyed by name. */
    cloudtrail?: Record<string, TrailRecord>;
  }
}

export interface TrailRecord {
  name: string;
  arn: string;
  homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  snsTopicName?: string;
  includeGlobalServiceEvents: boolean;
  isMultiRegionTrail: boolean;
  isOrganizationTrail: boolean;
  logFileValidationEnabled: boolean;
  kmsKeyId?: string;
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
  isLogging: boolean;
  startLoggingTime?: string;
  stopLoggingTime?: string;
  tags: { Key: string; Value: string }[];
}

/** The account's trails, created empty on first use. */
export function cloudtrailState(account: AccountRecord): Record<string, TrailRecord> {
  account.cloudtrail ??= {};
  return account.cloudtrail;
}
