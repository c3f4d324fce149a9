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

declare module '../../state.js' {
  interface AccountRecord {
    /** CloudTrail's event history by Region (what LookupEvents reads), oldest first. */
    cloudtrailEvents?: Record<string, ManagementEventRecord[]>;
  }
}

/** One management event of the event history, as LookupEvents answers it. */
export interface ManagementEventRecord {
  eventId: string;
  eventName: string;
  /** ISO */
  eventTime: string;
  eventSource: string;
  username: string;
  accessKeyId: string;
  readOnly: boolean;
  resources: { ResourceType: string; ResourceName: string }[];
  /** The CloudTrail record as JSON text (requestParameters, userIdentity, eventTime, ...). */
  cloudTrailEvent: string;
}

/** The account's event history in a Region, created empty on first use. */
export function eventHistory(account: AccountRecord, region: string): ManagementEventRecord[] {
  account.cloudtrailEvents ??= {};
  account.cloudtrailEvents[region] ??= [];
  return account.cloudtrailEvents[region];
}
