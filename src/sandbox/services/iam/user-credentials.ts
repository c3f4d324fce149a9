import { createHash } from 'node:crypto';
import { reqString, optString } from '../../input.js';
import { iamPage } from '../../paginate.js';
import { AwsError } from '../../types.js';
import type { OperationHandler } from '../../types.js';
import { UPPER_DIGITS, accountOf, getUserRecord, iamErrors, mintId, mintSecret, targetUserName } from './common.js';
import type { IamUser } from './state.js';

/**
 * A user's other credentials: X.509 signing certificates, SSH public keys (CodeCommit) and service-specific
 * credentials (CodeCommit Git, Amazon Keyspaces, Bedrock). Each one keeps DeleteUser refusing with
 * DeleteConflict until it is deleted, as on AWS.
 */

const SERVICES = ['codecommit.amazonaws.com', 'cassandra.amazonaws.com', 'bedrock.amazonaws.com'];

function status(input: Record<string, unknown>): 'Active' | 'Inactive' {
  return optString(input, 'Status') === 'Inactive' ? 'Inactive' : 'Active';
}

const certificates = (u: IamUser) => (u.signingCertificates ??= []);
const sshKeys = (u: IamUser) => (u.sshPublicKeys ??= []);
const serviceCredentials = (u: IamUser) => (u.serviceSpecificCredentials ??= []);

function serviceCredentialShape(user: IamUser, c: NonNullable<IamUser['serviceSpecificCredentials']>[number]) {
  return { UserName: user.userName, Status: c.status, ServiceUserName: c.serviceUserName, CreateDate: new Date(c.createDate), ServiceSpecificCredentialId: c.id, ServiceName: c.serviceName };
}

export const userCredentialOperations: Record<string, OperationHandler> = {
  UploadSigningCertificate: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, targetUserName(ctx, input));
    const body = reqString(input, 'CertificateBody');
    if (!body.includes('-----BEGIN CERTIFICATE-----')) throw new AwsError('MalformedCertificate', 'Unable to parse certificate. Please ensure the certificate is in PEM format.', 400);
    const list = certificates(user);
    if (list.some((c) => c.body === body)) throw new AwsError('DuplicateCertificate', 'The request was rejected because the same certificate is associated with an IAM user in the account.', 409);
    if (list.length >= 2) throw iamErrors.limitExceeded('Cannot exceed quota for SigningCertificatesPerUser: 2');
    const cert = { certificateId: ctx.runtime.randomId(32, UPPER_DIGITS), body, status: status(input), uploadDate: ctx.runtime.now().toISOString() };
    list.push(cert);
    return { Certificate: { UserName: user.userName, CertificateId: cert.certificateId, CertificateBody: body, Status: cert.status, UploadDate: new Date(cert.uploadDate) } };
  },
  ListSigningCertificates: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, targetUserName(ctx, input));
    const page = iamPage(certificates(user), input);
    return {
      Certificates: page.items.map((c) => ({ UserName: user.userName, CertificateId: c.certificateId, CertificateBody: c.body, Status: c.status, UploadDate: new Date(c.uploadDate) })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  DeleteSigningCertificate: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, targetUserName(ctx, input));
    const id = reqString(input, 'CertificateId');
    if (!certificates(user).some((c) => c.certificateId === id)) throw iamErrors.noSuchEntity(`The Certificate with id ${id} cannot be found.`);
    user.signingCertificates = certificates(user).filter((c) => c.certificateId !== id);
    return {};
  },

  UploadSSHPublicKey: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, reqString(input, 'UserName'));
    const body = reqString(input, 'SSHPublicKeyBody');
    if (!/^ssh-rsa \S+/.test(body)) throw new AwsError('UnrecognizedPublicKeyEncoding', 'The request was rejected because the public key encoding format is unsupported or unrecognized.', 400);
    const list = sshKeys(user);
    if (list.some((k) => k.body === body)) throw new AwsError('DuplicateSSHPublicKey', 'The request was rejected because the SSH public key is already associated with the specified IAM user.', 400);
    if (list.length >= 5) throw iamErrors.limitExceeded('Cannot exceed quota for SSHPublicKeysPerUser: 5');
    const fingerprint = (createHash('md5').update(body).digest('hex').match(/../g) ?? []).join(':');
    const key = { sshPublicKeyId: mintId(ctx.runtime, 'APKA').slice(0, 20), body, fingerprint, status: 'Active' as const, uploadDate: ctx.runtime.now().toISOString() };
    list.push(key);
    return { SSHPublicKey: { UserName: user.userName, SSHPublicKeyId: key.sshPublicKeyId, Fingerprint: fingerprint, SSHPublicKeyBody: body, Status: key.status, UploadDate: new Date(key.uploadDate) } };
  },
  ListSSHPublicKeys: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, targetUserName(ctx, input));
    const page = iamPage(sshKeys(user), input);
    return {
      SSHPublicKeys: page.items.map((k) => ({ UserName: user.userName, SSHPublicKeyId: k.sshPublicKeyId, Status: k.status, UploadDate: new Date(k.uploadDate) })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  DeleteSSHPublicKey: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, reqString(input, 'UserName'));
    const id = reqString(input, 'SSHPublicKeyId');
    if (!sshKeys(user).some((k) => k.sshPublicKeyId === id)) throw iamErrors.noSuchEntity(`The Public Key with id ${id} cannot be found.`);
    user.sshPublicKeys = sshKeys(user).filter((k) => k.sshPublicKeyId !== id);
    return {};
  },

  CreateServiceSpecificCredential: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    const serviceName = reqString(input, 'ServiceName');
    if (!SERVICES.includes(serviceName)) throw new AwsError('NotSupportedService', `The specified service ${serviceName} is not supported.`, 404);
    const list = serviceCredentials(user);
    if (list.filter((c) => c.serviceName === serviceName).length >= 2) throw iamErrors.limitExceeded('Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2');
    const credential = { id: mintId(ctx.runtime, 'ACCA'), serviceName, serviceUserName: `${user.userName}-at-${account.id}`, status: 'Active' as const, createDate: ctx.runtime.now().toISOString() };
    list.push(credential);
    return { ServiceSpecificCredential: { ...serviceCredentialShape(user, credential), ServicePassword: mintSecret(ctx.runtime) } };
  },
  ListServiceSpecificCredentials: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, targetUserName(ctx, input));
    const service = optString(input, 'ServiceName');
    const page = iamPage(serviceCredentials(user).filter((c) => !service || c.serviceName === service), input);
    return {
      ServiceSpecificCredentials: page.items.map((c) => serviceCredentialShape(user, c)),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  DeleteServiceSpecificCredential: (ctx, input) => {
    const user = getUserRecord(accountOf(ctx).iam, targetUserName(ctx, input));
    const id = reqString(input, 'ServiceSpecificCredentialId');
    if (!serviceCredentials(user).some((c) => c.id === id)) throw iamErrors.noSuchEntity(`No such credential ${id} exists.`);
    user.serviceSpecificCredentials = serviceCredentials(user).filter((c) => c.id !== id);
    return {};
  },
};
