import { optString, reqString } from '../../input.js';
import { iamPage } from '../../paginate.js';
import type { OperationHandler } from '../../types.js';
import { accountOf, byName, checkName, checkPath, findKey, getGroupRecord, getUserRecord, iamErrors, mintId } from './common.js';
import { groupShape, userShape } from './shapes.js';
import type { IamGroup } from './state.js';

export const groupOperations: Record<string, OperationHandler> = {
  CreateGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const groupName = reqString(input, 'GroupName');
    checkName('groupName', groupName, 128);
    const path = checkPath(optString(input, 'Path') ?? '/');
    if (findKey(account.iam.groups, groupName)) throw iamErrors.alreadyExists(`Group with name ${groupName} already exists.`);
    if (Object.keys(account.iam.groups).length >= 300) throw iamErrors.limitExceeded('Cannot exceed quota for GroupsPerAccount: 300');
    const group: IamGroup = {
      groupName,
      groupId: mintId(ctx.runtime, 'AGPA'),
      arn: `arn:aws:iam::${account.id}:group${path}${groupName}`,
      path,
      createDate: ctx.runtime.now().toISOString(),
      attachedPolicies: [],
      inlinePolicies: {},
    };
    account.iam.groups[groupName] = group;
    return { Group: groupShape(group) };
  },
  GetGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const group = getGroupRecord(account.iam, reqString(input, 'GroupName'));
    const members = byName(Object.values(account.iam.users).filter((u) => u.groups.includes(group.groupName)), (u) => u.userName);
    const page = iamPage(members, input);
    return { Group: groupShape(group), Users: page.items.map((u) => userShape(u)), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  ListGroups: (ctx, input) => {
    const account = accountOf(ctx);
    const prefix = optString(input, 'PathPrefix') ?? '/';
    const page = iamPage(byName(Object.values(account.iam.groups).filter((g) => g.path.startsWith(prefix)), (g) => g.groupName), input);
    return { Groups: page.items.map(groupShape), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  DeleteGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const group = getGroupRecord(account.iam, reqString(input, 'GroupName'));
    if (Object.values(account.iam.users).some((u) => u.groups.includes(group.groupName))) throw iamErrors.deleteConflict('Cannot delete entity, must remove users from group first.');
    if (group.attachedPolicies.length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must detach all policies first.');
    if (Object.keys(group.inlinePolicies).length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must delete policies first.');
    delete account.iam.groups[group.groupName];
    return {};
  },
  AddUserToGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const group = getGroupRecord(account.iam, reqString(input, 'GroupName'));
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    if (!user.groups.includes(group.groupName)) {
      if (user.groups.length >= 10) throw iamErrors.limitExceeded('Cannot exceed quota for GroupsPerUser: 10');
      user.groups.push(group.groupName);
    }
    return {};
  },
  RemoveUserFromGroup: (ctx, input) => {
    const account = accountOf(ctx);
    const group = getGroupRecord(account.iam, reqString(input, 'GroupName'));
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    user.groups = user.groups.filter((g) => g !== group.groupName);
    return {};
  },
  ListGroupsForUser: (ctx, input) => {
    const account = accountOf(ctx);
    const user = getUserRecord(account.iam, reqString(input, 'UserName'));
    const groups = byName(user.groups.map((g) => account.iam.groups[g]).filter((g): g is IamGroup => g !== undefined), (g) => g.groupName);
    const page = iamPage(groups, input);
    return { Groups: page.items.map(groupShape), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
};
