import type { AccountRecord } from '../../state.js';
import { attachmentCount, encodePolicyDocument } from './common.js';
import type { IamGroup, IamManagedPolicy, IamRole, IamUser } from './state.js';

/** IAM's answer shapes of its entities, shared by the operations that return them. */

export function userShape(u: IamUser, withTags = false): Record<string, unknown> {
  return {
    Path: u.path,
    UserName: u.userName,
    UserId: u.userId,
    Arn: u.arn,
    CreateDate: new Date(u.createDate),
    Tags: withTags && u.tags.length > 0 ? u.tags : undefined,
  };
}

export function groupShape(g: IamGroup): Record<string, unknown> {
  return { Path: g.path, GroupName: g.groupName, GroupId: g.groupId, Arn: g.arn, CreateDate: new Date(g.createDate) };
}

export function roleShape(r: IamRole & { description?: string; tags?: { Key: string; Value: string }[] }, withTags = false): Record<string, unknown> {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: new Date(r.createDate),
    AssumeRolePolicyDocument: encodePolicyDocument(r.assumeRolePolicyDocument),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    PermissionsBoundary: r.permissionsBoundary ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: r.permissionsBoundary } : undefined,
    Tags: withTags && r.tags && r.tags.length > 0 ? r.tags : undefined,
  };
}

export function policyShape(account: AccountRecord, p: IamManagedPolicy, withDescription: boolean): Record<string, unknown> {
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: attachmentCount(account, p.arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: withDescription ? p.description : undefined,
    CreateDate: new Date(p.createDate),
    UpdateDate: new Date(p.updateDate),
  };
}

export function versionShape(p: IamManagedPolicy, v: IamManagedPolicy['versions'][number], withDocument: boolean): Record<string, unknown> {
  return {
    Document: withDocument ? encodePolicyDocument(v.document) : undefined,
    VersionId: v.versionId,
    IsDefaultVersion: v.versionId === p.defaultVersionId,
    CreateDate: new Date(v.createDate),
  };
}
