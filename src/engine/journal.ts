import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LzError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import type { CreationJournal, PendingCreation } from '../core/organization.js';

interface JournalFile {
  version: 1;
  /** By organization id, then by lower-cased email. */
  creations: Record<string, Record<string, PendingCreation>>;
  /** By organization id: accounts created whose access role was not yet assumed, with when that was recorded. */
  awaitingRole?: Record<string, Record<string, string>>;
}

/**
 * What apply must remember across a crash: the CreateAccount requests in flight. Everything else apply
 * does is idempotent against live state, so it needs no record. Written atomically after every change.
 */
export class Journal implements CreationJournal {
  private data: JournalFile;

  constructor(readonly path: string) {
    this.data = { version: 1, creations: {} };
    if (existsSync(path)) {
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as JournalFile;
        if (parsed.version !== 1 || typeof parsed.creations !== 'object') throw new Error('unknown format');
        this.data = parsed;
      } catch (err) {
        throw new LzError('journal-corrupt', `The journal ${path} cannot be read: ${(err as Error).message}`, {
          hint: 'It records account creations in flight. Check `lz plan` and the Organizations console, then delete the file.',
        });
      }
    }
  }

  static inWorkdir(workdir: string): Journal {
    return new Journal(join(workdir, 'journal.json'));
  }

  pendingCreation(organizationId: string, email: string): PendingCreation | undefined {
    return this.data.creations[organizationId]?.[email.toLowerCase()];
  }

  recordCreation(organizationId: string, creation: PendingCreation): void {
    (this.data.creations[organizationId] ??= {})[creation.email.toLowerCase()] = creation;
    this.save();
  }

  forgetCreation(organizationId: string, email: string): void {
    const org = this.data.creations[organizationId];
    if (!org?.[email.toLowerCase()]) return;
    delete org[email.toLowerCase()];
    if (Object.keys(org).length === 0) delete this.data.creations[organizationId];
    this.save();
  }

  awaitRole(organizationId: string, accountId: string): void {
    ((this.data.awaitingRole ??= {})[organizationId] ??= {})[accountId] = new Date().toISOString();
    this.save();
  }

  roleAssumed(organizationId: string, accountId: string): void {
    const org = this.data.awaitingRole?.[organizationId];
    if (!org?.[accountId]) return;
    delete org[accountId];
    if (Object.keys(org).length === 0) delete this.data.awaitingRole![organizationId];
    this.save();
  }

  /** The accounts (of any organization) created by a run that did not live to assume their role. */
  awaitingRole(): { organizationId: string; accountId: string }[] {
    return Object.entries(this.data.awaitingRole ?? {}).flatMap(([organizationId, ids]) => Object.keys(ids).map((accountId) => ({ organizationId, accountId })));
  }

  /**
   * Forgets the creations whose account the organization now holds (their email is live): a run that died
   * after sending CreateAccount leaves its request here, and once the account exists no later run creates
   * it, so nothing else would settle it. A request still in flight has no account yet and is kept.
   */
  forgetCompleted(organizationId: string, liveEmails: Iterable<string>): void {
    const org = this.data.creations[organizationId];
    if (!org) return;
    const live = new Set([...liveEmails].map((e) => e.toLowerCase()));
    const done = Object.keys(org).filter((email) => live.has(email));
    if (done.length === 0) return;
    for (const email of done) delete org[email];
    if (Object.keys(org).length === 0) delete this.data.creations[organizationId];
    this.save();
  }

  private save(): void {
    writeFileAtomic(this.path, `${JSON.stringify(this.data, null, 2)}\n`, 0o600);
  }
}
