import type { ResolvedAccount } from '../manifest/index.js';
import type { AccountMatch, LiveAccount, OrganizationSnapshot } from '../core/organization.js';

export interface AccountMatching {
  matches: AccountMatch[];
  unmatched: LiveAccount[];
  /** Declared accounts whose `id` no live account has: never a create (the id says the account exists). */
  unknownIds: ResolvedAccount[];
}

/**
 * Pairs the file's accounts with live ones. A declared `id` pins the pair whatever the name and email say,
 * so that a rename and an email change in one edit stay one account. Without one, email is the key AWS keeps
 * unique; the management account is also found by being the organization's management account, and a
 * declared account whose email matches nothing but whose name matches one live account is paired by name
 * (its email then differs and is changed).
 */
export function matchAccounts(declared: ResolvedAccount[], snapshot: OrganizationSnapshot): AccountMatching {
  const byId = new Map(snapshot.accounts.map((a) => [a.id, a]));
  const pinned = new Set(declared.flatMap((d) => (d.id ? [d.id] : [])));
  // An account pinned by some declared id is that declaration's, even if another one's email names it.
  const byEmail = new Map(snapshot.accounts.filter((a) => !pinned.has(a.id)).map((a) => [a.email.toLowerCase(), a]));
  const taken = new Set<string>();
  const unknownIds: ResolvedAccount[] = [];
  const managementId = snapshot.organization?.managementAccountId ?? snapshot.callerAccountId;
  const matches: AccountMatch[] = declared.map((d) => {
    if (d.id) {
      const live = byId.get(d.id);
      if (live) {
        taken.add(live.id);
        return { declared: d, live, by: 'id' as const };
      }
      // Before the organization exists the only account is the caller's own, which lists nowhere yet; and an
      // account closed long ago leaves the organization's listing while its entry stays as the record.
      if (!(d.management && d.id === managementId) && !d.closed) unknownIds.push(d);
      return { declared: d };
    }
    const live = byEmail.get(d.email.toLowerCase());
    if (live) {
      taken.add(live.id);
      return { declared: d, live, by: 'email' as const };
    }
    return { declared: d };
  });
  for (const m of matches) {
    if (m.live || (m.declared.id && !m.declared.management)) continue;
    if (m.declared.management) {
      const live = snapshot.accounts.find((a) => a.id === managementId);
      if (live && !taken.has(live.id)) {
        m.live = live;
        m.by = 'management';
        taken.add(live.id);
      }
      continue;
    }
    const sameName = snapshot.accounts.filter((a) => !taken.has(a.id) && !pinned.has(a.id) && a.name === m.declared.name);
    if (sameName.length === 1 && sameName[0]) {
      m.live = sameName[0];
      m.by = 'name';
      taken.add(sameName[0].id);
    }
  }
  return { matches, unmatched: snapshot.accounts.filter((a) => !taken.has(a.id)), unknownIds };
}
