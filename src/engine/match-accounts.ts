import type { ResolvedAccount } from '../manifest/index.js';
import type { AccountMatch, LiveAccount, OrganizationSnapshot } from '../core/organization.js';

/**
 * Pairs the file's accounts with live ones. Email is the key AWS keeps unique; the management account is
 * also found by being the organization's management account, and a declared account whose email matches
 * nothing but whose name matches one live account is paired by name (its email change is a manual step).
 */
export function matchAccounts(declared: ResolvedAccount[], snapshot: OrganizationSnapshot): { matches: AccountMatch[]; unmatched: LiveAccount[] } {
  const byEmail = new Map(snapshot.accounts.map((a) => [a.email.toLowerCase(), a]));
  const taken = new Set<string>();
  const matches: AccountMatch[] = declared.map((d) => {
    const live = byEmail.get(d.email.toLowerCase());
    if (live) {
      taken.add(live.id);
      return { declared: d, live, by: 'email' as const };
    }
    return { declared: d };
  });
  const managementId = snapshot.organization?.managementAccountId ?? snapshot.callerAccountId;
  for (const m of matches) {
    if (m.live) continue;
    if (m.declared.management) {
      const live = snapshot.accounts.find((a) => a.id === managementId);
      if (live && !taken.has(live.id)) {
        m.live = live;
        m.by = 'management';
        taken.add(live.id);
      }
      continue;
    }
    const sameName = snapshot.accounts.filter((a) => !taken.has(a.id) && a.name === m.declared.name);
    if (sameName.length === 1 && sameName[0]) {
      m.live = sameName[0];
      m.by = 'name';
      taken.add(sameName[0].id);
    }
  }
  return { matches, unmatched: snapshot.accounts.filter((a) => !taken.has(a.id)) };
}
