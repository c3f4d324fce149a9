import type { SourceLocation } from '../errors.js';

/**
 * The document as parsed, field defaults filled: the frame the loader reads typed, each section's value
 * read through the section that declares it (`section.of(...)`).
 */
export interface Manifest {
  organization: {
    management: string;
    accessRole: string;
    readRole?: string;
    units: string[];
    emailPattern?: string;
    lock?: { bucket: string };
    quarantineUnit: string;
  } & Record<string, unknown>;
  defaults: Record<string, unknown>;
  /** Each entry as written (its overrides, not yet merged with defaults). */
  accounts: ({ name: string; email: string; unit?: string; id?: string; closed?: boolean; tags?: Record<string, string | null> } & Record<string, unknown>)[];
}

/** One account with `defaults` merged in and every field default filled: what lz makes true in AWS. */
export interface ResolvedAccount {
  name: string;
  email: string;
  /** OU path; undefined = the organization root. A closed account's is the quarantine unit, where it is kept. */
  unit?: string;
  /** The 12-digit account id when the file pins it. */
  id?: string;
  /** Marked `closed: true`: nothing inside it is read or planned; it is moved to quarantine and closed. */
  closed: boolean;
  tags: Record<string, string>;
  management: boolean;
  /** Position in accounts[]. */
  index: number;
  /**
   * Each section's value by key, absent when neither the account nor `defaults` gives one (or `null`
   * switched it off). Read through the section that declares it (`section.of(account)`), which types it.
   */
  sections: Readonly<Record<string, unknown>>;
}

export interface LoadedManifest {
  /** The path as given, for messages. */
  file: string;
  /** The document as parsed, with field defaults filled (accounts hold their overrides, not yet merged). */
  manifest: Manifest;
  /** In file order, defaults merged. */
  accounts: ResolvedAccount[];
  /** Every OU path, parents included, parents before children. */
  units: string[];
  management: ResolvedAccount;
  accessRole: string;
  /** The role plan and drift assume in member accounts: `organization.readRole`, else the access role. */
  readRole: string;
  /** The directory accounts.yaml is in: files it names (policy documents) are read relative to it. */
  dir: string;
  /** The document as read: a read thread (src/cli/read-threads.ts) parses the same text, not the file again. */
  text: string;
  /** Where a node of the document starts, for errors found later (e.g. during plan). */
  locate(path: (string | number)[]): SourceLocation | undefined;
}
