import { optString, reqString, validationError } from '../../input.js';
import { iamPage } from '../../paginate.js';
import type { AccessKeyRecord, AccountRecord, SandboxState } from '../../state.js';
import { AwsError } from '../../types.js';
import type { OperationHandler, SandboxRuntime } from '../../types.js';
import { UPPER_DIGITS, accountOf, checkName, checkPath, getUserRecord, iamErrors, mintAccessKeyId, mintSecret, targetUserName, userAccessKeys } from './common.js';
import { userShape } from './shapes.js';

/** Users' access keys and MFA devices. */

function iso(s: string | undefined): Date | undefined {
  return s ? new Date(s) : undefined;
}

/** Creates an access key for a user and registers it, so it authenticates as that user. */
export function createAccessKey(state: SandboxState, account: AccountRecord, runtime: SandboxRuntime, userName: string): AccessKeyRecord {
  const user = getUserRecord(account.iam, userName);
  if (userAccessKeys(state, account.id, user.userName).length >= 2) throw iamErrors.limitExceeded('Cannot exceed quota for AccessKeysPerUser: 2');
  let id = mintAccessKeyId(runtime, 'AKIA');
  while (state.accessKeys[id]) id = mintAccessKeyId(runtime, 'AKIA');
  const key: AccessKeyRecord = {
    accessKeyId: id,
    secretAccessKey: mintSecret(runtime),
    accountId: account.id,
    arn: user.arn,
    kind: 'user',
    principalName: user.userName,
    status: 'Active',
    createDate: runtime.now().toISOString(),
  };
  state.accessKeys[id] = key;
  return key;
}

export const credentialOperations: Record<string, OperationHandler> = {
  CreateVirtualMFADevice: (ctx, input) => {
    const account = accountOf(ctx);
    const name = reqString(input, 'VirtualMFADeviceName');
    checkName('virtualMFADeviceName', name, 226);
    const path = checkPath(optString(input, 'Path') ?? '/');
    const serial = `arn:aws:iam::${account.id}:mfa${path}${name}`;
    if (account.iam.virtualMfaDevices[serial]) throw iamErrors.alreadyExists('MFADevice entity at the same path and name already exists.');
    account.iam.virtualMfaDevices[serial] = { serialNumber: serial, createDate: ctx.runtime.now().toISOString() };
    const seed = ctx.runtime.randomId(64, UPPER_DIGITS);
    return {
      VirtualMFADevice: {
        SerialNumber: serial,
        Base32StringSeed: Buffer.from(seed).toString('base64'),
        QRCodePNG: Buffer.from(`otpauth://totp/${name}?secret=${seed}`).toString('base64'),
      },
    };
  },
  EnableMFADevice: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    const serial = reqString(input, 'SerialNumber');
    const c1 = reqString(input, 'AuthenticationCode1');
    const c2 = reqString(input, 'AuthenticationCode2');
    if (!/^\d{6}$/.test(c1) || !/^\d{6}$/.test(c2) || c1 === c2) {
      throw new AwsError('InvalidAuthenticationCode', 'Authentication code for device is not valid.', 403);
    }
    const device = account.iam.virtualMfaDevices[serial];
    if (!device) throw iamErrors.noSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
    if (device.userName) throw iamErrors.alreadyExists('MFA Device is already in use.');
    if (user.mfaDevices.length >= 8) throw iamErrors.limitExceeded('Cannot exceed quota for MFADevicesPerUser: 8');
    const now = ctx.runtime.now().toISOString();
    device.userName = user.userName;
    device.enableDate = now;
    user.mfaDevices.push({ serialNumber: serial, enableDate: now });
    return {};
  },
  DeactivateMFADevice: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    const serial = reqString(input, 'SerialNumber');
    if (!user.mfaDevices.some((d) => d.serialNumber === serial)) throw iamErrors.noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
    user.mfaDevices = user.mfaDevices.filter((d) => d.serialNumber !== serial);
    const device = account.iam.virtualMfaDevices[serial];
    if (device) {
      delete device.userName;
      delete device.enableDate;
    }
    return {};
  },
  ListMFADevices: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, targetUserName(ctx, input));
    const page = iamPage(user.mfaDevices, input);
    return {
      MFADevices: page.items.map((d) => ({ UserName: user.userName, SerialNumber: d.serialNumber, EnableDate: new Date(d.enableDate) })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  ListVirtualMFADevices: (ctx, input) => {
    const account = accountOf(ctx);
    const status = optString(input, 'AssignmentStatus') ?? 'Any';
    const devices = Object.values(account.iam.virtualMfaDevices)
      .filter((d) => status === 'Any' || (status === 'Assigned') === Boolean(d.userName))
      .sort((a, b) => (a.serialNumber < b.serialNumber ? -1 : 1));
    const page = iamPage(devices, input);
    return {
      VirtualMFADevices: page.items.map((d) => {
        const user = d.userName ? account.iam.users[d.userName] : undefined;
        return { SerialNumber: d.serialNumber, User: user ? userShape(user) : undefined, EnableDate: iso(d.enableDate) };
      }),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  DeleteVirtualMFADevice: (ctx, input) => {
    const account = accountOf(ctx);
    const serial = reqString(input, 'SerialNumber');
    const device = account.iam.virtualMfaDevices[serial];
    if (!device) throw iamErrors.noSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
    if (device.userName) throw iamErrors.deleteConflict('MFA VirtualDevice in use. Must deactivate first.');
    delete account.iam.virtualMfaDevices[serial];
    return {};
  },
  CreateAccessKey: (ctx, input) => {
    const account = accountOf(ctx);
    const key = createAccessKey(ctx.state, account, ctx.runtime, targetUserName(ctx, input));
    return { AccessKey: { UserName: key.principalName, AccessKeyId: key.accessKeyId, Status: key.status, SecretAccessKey: key.secretAccessKey, CreateDate: new Date(key.createDate) } };
  },
  ListAccessKeys: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, targetUserName(ctx, input));
    const keys = userAccessKeys(ctx.state, account.id, user.userName).sort((a, b) => (a.createDate < b.createDate ? -1 : 1));
    const page = iamPage(keys, input);
    return {
      AccessKeyMetadata: page.items.map((k) => ({ UserName: user.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createDate) })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  UpdateAccessKey: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, targetUserName(ctx, input));
    const id = reqString(input, 'AccessKeyId');
    const status = reqString(input, 'Status');
    if (status !== 'Active' && status !== 'Inactive') throw validationError(`1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
    const key = ctx.state.accessKeys[id];
    if (!key || key.accountId !== account.id || key.kind !== 'user' || key.principalName !== user.userName) throw iamErrors.noSuchEntity(`The Access Key with id ${id} cannot be found.`);
    key.status = status;
    return {};
  },
  DeleteAccessKey: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, targetUserName(ctx, input));
    const id = reqString(input, 'AccessKeyId');
    const key = ctx.state.accessKeys[id];
    if (!key || key.accountId !== account.id || key.kind !== 'user' || key.principalName !== user.userName) throw iamErrors.noSuchEntity(`The Access Key with id ${id} cannot be found.`);
    delete ctx.state.accessKeys[id];
    return {};
  },
  GetAccessKeyLastUsed: (ctx, input) => {
    const id = reqString(input, 'AccessKeyId');
    const key = ctx.state.accessKeys[id];
    if (!key || key.accountId !== ctx.caller.accountId || key.kind !== 'user') throw new AwsError('AccessDenied', `User: ${ctx.caller.arn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${id}`, 403);
    return {
      UserName: key.principalName,
      AccessKeyLastUsed: key.lastUsed
        ? { LastUsedDate: new Date(key.lastUsed.date), ServiceName: key.lastUsed.serviceName, Region: key.lastUsed.region }
        : { ServiceName: 'N/A', Region: 'N/A' },
    };
  },
};
