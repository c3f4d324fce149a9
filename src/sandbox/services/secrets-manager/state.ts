import type { AccountRecord } from '../../state.js';

/** Secrets Manager's part of the state: each account's secrets, per Region (a secret lives in one Region). */

declare module '../../state.js' {
  interface AccountRecord {
    /** Region → secret name → secret. */
    secretsManager?: Record<string, Record<string, SecretRecord>>;
  }
}

export interface SecretVersion {
  /** Exactly one of the two; SecretBinary as base64, as the wire carries it. */
  secretString?: string;
  secretBinary?: string;
  createdDate: string;
  /** AWSCURRENT, AWSPREVIOUS, or labels the caller named. */
  stages: string[];
}

export interface SecretRecord {
  arn: string;
  name: string;
  description?: string;
  createdDate: string;
  lastChangedDate: string;
  tags: { Key: string; Value: string }[];
  /** Keyed by VersionId (the ClientRequestToken that made the version). */
  versions: Record<string, SecretVersion>;
  /** Set by DeleteSecret: when it was asked for, and when the secret is gone (the end of its recovery window). */
  deletion?: { deletedDate: string; purgeAt: string };
}

/** The account's secrets in one Region, created empty on first use. */
export function secretsIn(account: AccountRecord, region: string): Record<string, SecretRecord> {
  account.secretsManager ??= {};
  account.secretsManager[region] ??= {};
  return account.secretsManager[region];
}
