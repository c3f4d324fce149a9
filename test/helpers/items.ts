import type { ResolvedAccount } from '../../src/manifest/types.js';
import { aliasSection } from '../../src/resources/account-alias.js';
import { contactsSection } from '../../src/resources/alternate-contacts.js';
import { billingAccessSection } from '../../src/resources/billing-access.js';
import { budgetsOf } from '../../src/resources/budget.js';
import { contactInformationSection } from '../../src/resources/contact-information.js';
import { iamAdminSection } from '../../src/resources/iam-admin-user.js';
import { passwordPolicySection } from '../../src/resources/password-policy.js';
import { rootCredentialsSection } from '../../src/resources/root-credentials.js';

/** An account with each baseline item read through the section that declares it, as the modules see them. */
export function withItems(account: ResolvedAccount) {
  return {
    ...account,
    iamAdmin: iamAdminSection.of(account),
    passwordPolicy: passwordPolicySection.of(account),
    alias: aliasSection.of(account),
    budgets: budgetsOf(account),
    contacts: contactsSection.of(account) ?? {},
    contactInformation: contactInformationSection.of(account),
    billingAccess: billingAccessSection.of(account),
    rootCredentials: rootCredentialsSection.of(account),
  };
}
