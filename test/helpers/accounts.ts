import type { ResolvedAccount } from '../../src/manifest/types.js';

/** A member account as the manifest resolves it, with no baseline item unless the test gives one (by section key). */
export function resolvedAccount(sections: Record<string, unknown> = {}, overrides: Partial<ResolvedAccount> = {}): ResolvedAccount {
  return { name: 'Prod', email: 'prod@example.com', tags: {}, management: false, closed: false, index: 1, sections, ...overrides };
}
