import { isVirtualMfaSerial } from './virtual-mfa.js';
import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteVirtualMFADeviceCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { isError, isNotFound } from '../aws/aws-errors.js';
import type { FieldChange } from '../engine/plan.js';
import { LzError } from '../errors.js';
import { ROOT_ACCESS_ADDRESS } from './root-access.js';
import { accountSummary } from './root-user.js';
import type { AccountResource } from './types.js';

export const rootCredentialsAddress = (account: string) => `${account}.root-credentials`;
export const AUDIT_ROOT_TASK = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';
export const DELETE_ROOT_TASK = 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials';

export interface RootCredentials {
  /** How it was read: a root session with the audit task policy (exact), or GetAccountSummary through the access role. */
  source: 'root-session' | 'account-summary';
  /** null: not knowable without a root session (GetAccountSummary says nothing of the password). */
  password: boolean | null;
  accessKeys: string[];
  mfaDevices: string[];
}

export function hasRootCredentials(c: RootCredentials): boolean {
  return c.password !== false || c.accessKeys.length > 0 || c.mfaDevices.length > 0;
}

async function readWithRootSession(iam: IAMClient): Promise<RootCredentials> {
  const [password, keys, mfa] = await Promise.all([
    iam.send(new GetLoginProfileCommand({})).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    ),
    iam.send(new ListAccessKeysCommand({})),
    iam.send(new ListMFADevicesCommand({})),
  ]);
  return {
    source: 'root-session',
    password,
    accessKeys: (keys.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '').filter(Boolean),
    mfaDevices: (mfa.MFADevices ?? []).map((d) => d.SerialNumber ?? '').filter(Boolean),
  };
}

/**
 * Deletes a member account's root user credentials (`rootCredentials: delete`) with centralized root
 * access: sts:AssumeRoot with the IAMDeleteRootUserCredentials task policy, then DeleteLoginProfile,
 * DeleteAccessKey for each key and DeactivateMFADevice (and DeleteVirtualMFADevice) for each device. Plans
 * read the credentials through AssumeRoot with IAMAuditRootUserCredentials; before RootSessions is enabled
 * they fall back to GetAccountSummary (keys and MFA; the password is then unknown). Never the management
 * account: AssumeRoot cannot reach it, and its root user is the organization's last resort.
 */
export const rootCredentials: AccountResource<{ delete: true }, RootCredentials> = {
  kind: 'root-credentials',
  scope: 'account',

  desired(account, manifest) {
    if (account.rootCredentials !== 'delete') return undefined;
    const index = manifest.accounts.indexOf(account);
    const ownValue = manifest.locate(['accounts', index, 'rootCredentials']);
    if (account.management) {
      throw new LzError('root-credentials-management', `Account ${account.name} is the management account: lz never deletes its root user credentials (rootCredentials: delete).`, {
        hint: `Centralized root access covers member accounts only. Set rootCredentials: keep on ${account.name}${ownValue ? '' : ' (it inherits delete from defaults)'}.`,
        location: ownValue ?? manifest.locate(['defaults', 'rootCredentials']),
      });
    }
    if (!manifest.manifest.organization.rootAccess?.centralized) {
      throw new LzError('root-credentials-needs-root-access', `Account ${account.name} asks for rootCredentials: delete, which needs centralized root access.`, {
        hint: 'Add organization.rootAccess: { centralized: true } to accounts.yaml.',
        location: ownValue ?? manifest.locate(['defaults', 'rootCredentials']),
      });
    }
    return { delete: true };
  },

  async read(ctx, want) {
    if (!want) return undefined;
    if (ctx.aws) {
      const clients = ctx.aws.forRootTask(ctx.accountId, AUDIT_ROOT_TASK);
      try {
        return await readWithRootSession(clients.iam);
      } catch (err) {
        // RootSessions not enabled yet (the first plan): AssumeRoot is refused.
        if (!isError(err, 'AccessDenied', 'AccessDeniedException')) throw err;
      }
      // The clients are not destroyed: they share the run's connection pool, which destroy() would close.
    }
    const summary = (await accountSummary(ctx)).SummaryMap ?? {};
    return {
      source: 'account-summary',
      password: null,
      accessKeys: (summary.AccountAccessKeysPresent ?? 0) > 0 ? ['(root access keys)'] : [],
      mfaDevices: summary.AccountMFAEnabled === 1 ? ['(root MFA device)'] : [],
    };
  },

  diff(want, have, { account, exists }) {
    if (!want || account.management) return { changes: [], unmanaged: [] };
    const fields: FieldChange[] = [];
    if (!exists || !have) {
      fields.push({ field: 'root credentials', before: '(read at apply: the account does not exist yet)', after: null });
    } else {
      if (have.password === true) fields.push({ field: 'root password', before: 'present', after: null });
      if (have.password === null) fields.push({ field: 'root password', before: '(unknown until centralized root access is enabled; deleted if present)', after: null });
      for (const k of have.accessKeys) fields.push({ field: 'root access key', before: k, after: null });
      for (const d of have.mfaDevices) fields.push({ field: 'root MFA device', before: d, after: null });
    }
    if (fields.length === 0) return { changes: [], unmanaged: [] };
    return {
      changes: [
        {
          address: rootCredentialsAddress(account.name),
          kind: 'root-credentials',
          action: 'update',
          account: account.name,
          before: have ?? null,
          after: { password: false, accessKeys: [], mfaDevices: [] },
          fields,
          dependsOn: [ROOT_ACCESS_ADDRESS],
        },
      ],
      unmanaged: [],
    };
  },

  async apply(ctx, change) {
    if (change.account && ctx.accountId === ctx.index.managementAccountId) {
      throw new LzError('root-credentials-management', `Account ${change.account} is the management account: lz never deletes its root user credentials.`);
    }
    const clients = ctx.aws.forRootTask(ctx.accountId, DELETE_ROOT_TASK);
    const iam = clients.iam;
    const gone = (err: unknown) => {
      if (!isNotFound(err)) throw err;
    };
    // Each step is safe to repeat: what is already gone answers NoSuchEntity. (The clients share the run's
    // connection pool, so they are not destroyed.)
    await iam.send(new DeleteLoginProfileCommand({})).catch(gone);
    for (const key of (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata ?? []) {
      if (key.AccessKeyId) await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKeyId })).catch(gone);
    }
    for (const device of (await iam.send(new ListMFADevicesCommand({}))).MFADevices ?? []) {
      if (!device.SerialNumber) continue;
      await iam.send(new DeactivateMFADeviceCommand({ SerialNumber: device.SerialNumber })).catch(gone);
      // A virtual device is deleted too; a security key's or hardware token's is not a virtual device.
      if (isVirtualMfaSerial(device.SerialNumber)) await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: device.SerialNumber })).catch(gone);
    }
  },
};
