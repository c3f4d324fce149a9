import type { AccountRecord } from '../../state.js';

/** BCM Data Exports' part of the state: each account's exports. */

declare module '../../state.js' {
  interface AccountRecord {
    /** BCM Data Exports keyed by ExportArn. */
    dataExports?: Record<string, DataExportRecord>;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- AWS's Export structure, stored as received */
export interface DataExportRecord {
  /** The Export structure as AWS returns it (ExportArn, Name, DataQuery, DestinationConfigurations, RefreshCadence, ...). */
  export: Record<string, any>;
  createdAt: string;
  updatedAt: string;
  tags: { Key: string; Value: string }[];
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The account's exports, created empty on first use. */
export function dataExportsState(account: AccountRecord): Record<string, DataExportRecord> {
  account.dataExports ??= {};
  return account.dataExports;
}
