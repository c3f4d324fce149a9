import type { AccountRecord } from '../../state.js';
import type { PublicAccessBlockConfiguration } from '../s3/state.js';

/** S3 Control's part of the state: the account-level Block Public Access settings (one per account, global). */

declare module '../../state.js' {
  interface AccountRecord {
    /** Absent until PutPublicAccessBlock and after DeletePublicAccessBlock. */
    s3PublicAccessBlock?: PublicAccessBlockConfiguration;
  }
}

/** The account's Block Public Access settings, or undefined when none are set. */
export function accountPublicAccessBlock(account: AccountRecord): PublicAccessBlockConfiguration | undefined {
  return account.s3PublicAccessBlock;
}
