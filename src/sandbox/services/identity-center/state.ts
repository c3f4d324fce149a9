import { createHash } from 'node:crypto';
import type { SandboxState } from '../../state.js';

/**
 * IAM Identity Center's part of the state: the organization's one instance (in the management account's home
 * Region), its permission sets, account assignments, what is provisioned where, the asynchronous requests, and
 * the instance's identity store (users, groups, memberships). It lives beside the organization, not in an
 * account, because the instance belongs to the organization: it is seeded when the organization is created.
 */

declare module '../../state.js' {
  interface SandboxState {
    identityCenter?: IdentityCenterState;
  }
}

export type PrincipalType = 'USER' | 'GROUP';

export interface CustomerManagedPolicyReference {
  Name: string;
  Path: string;
}

export interface PermissionsBoundary {
  ManagedPolicyArn?: string;
  CustomerManagedPolicyReference?: CustomerManagedPolicyReference;
}

export interface PermissionSetRecord {
  arn: string;
  name: string;
  description?: string;
  createdDate: string;
  /** ISO-8601 duration, PT1H..PT12H. */
  sessionDuration: string;
  relayState?: string;
  managedPolicies: string[];
  customerManagedPolicies: CustomerManagedPolicyReference[];
  inlinePolicy?: string;
  permissionsBoundary?: PermissionsBoundary;
  tags: { Key: string; Value: string }[];
  /** Bumped by every change, so provisioned copies can tell they are behind (LATEST_PERMISSION_SET_NOT_PROVISIONED). */
  version: number;
}

export interface AssignmentRecord {
  accountId: string;
  permissionSetArn: string;
  principalType: PrincipalType;
  principalId: string;
}

/** A permission set provisioned to an account: the reserved role there and the version it carries. */
export interface ProvisionedRecord {
  accountId: string;
  permissionSetArn: string;
  roleName: string;
  version: number;
}

export type RequestKind = 'provision' | 'assignmentCreation' | 'assignmentDeletion';

/** An asynchronous request: IN_PROGRESS until `settlesAt` by the sandbox clock, then SUCCEEDED or FAILED. */
export interface AsyncRequestRecord {
  requestId: string;
  kind: RequestKind;
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  createdDate: string;
  settlesAt: string;
  failureReason?: string;
  permissionSetArn: string;
  /** The target account; absent for ProvisionPermissionSet with ALL_PROVISIONED_ACCOUNTS. */
  accountId?: string;
  principalType?: PrincipalType;
  principalId?: string;
}

export interface DirectoryUser {
  UserId: string;
  UserName: string;
  DisplayName: string;
  Name: { GivenName: string; FamilyName: string };
  Emails: { Value: string; Type: string; Primary: boolean }[];
}

export interface DirectoryGroup {
  GroupId: string;
  DisplayName: string;
  Description?: string;
}

export interface MembershipRecord {
  MembershipId: string;
  GroupId: string;
  UserId: string;
}

export interface IdentityCenterState {
  instanceArn: string;
  identityStoreId: string;
  ownerAccountId: string;
  region: string;
  createdDate: string;
  permissionSets: Record<string, PermissionSetRecord>;
  assignments: AssignmentRecord[];
  /** Keyed by `accountId|permissionSetArn`. */
  provisioned: Record<string, ProvisionedRecord>;
  requests: Record<string, AsyncRequestRecord>;
  /** The ids of the requests still IN_PROGRESS, oldest first: every call settles them, so it must not scan them all. */
  inFlight: string[];
  directory: { users: Record<string, DirectoryUser>; groups: Record<string, DirectoryGroup>; memberships: MembershipRecord[] };
  /** Counts ids minted from the instance's hash, so they stay deterministic without drawing on the sandbox PRNG. */
  minted: number;
}

/** The instance's home Region: the management account's, us-east-1 in the sandbox. */
export const IDENTITY_CENTER_REGION = 'us-east-1';

const SEED_GROUPS = ['Administrators', 'Developers', 'Auditors'] as const;
const SEED_USERS: { userName: string; given: string; family: string; group: (typeof SEED_GROUPS)[number] }[] = [
  { userName: 'alice', given: 'Alice', family: 'Admin', group: 'Administrators' },
  { userName: 'bob', given: 'Bob', family: 'Builder', group: 'Developers' },
  { userName: 'carol', given: 'Carol', family: 'Checker', group: 'Auditors' },
];

/**
 * A fresh hex string derived from the instance and a counter: ids come from a hash, not from the sandbox's
 * PRNG, so seeding the instance leaves every other id the sandbox mints unchanged.
 */
export function mintHex(ic: Pick<IdentityCenterState, 'instanceArn' | 'minted'>, length: number): string {
  ic.minted += 1;
  return createHash('sha256').update(`${ic.instanceArn}#${ic.minted}`).digest('hex').slice(0, length);
}

/** A UUID-shaped id (AWS's request ids and identity store ids). */
export function mintUuid(ic: Pick<IdentityCenterState, 'instanceArn' | 'minted'>): string {
  const h = mintHex(ic, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** An identity store id: 10 hex, a dash and a UUID, as AWS mints them. */
export function mintDirectoryId(ic: IdentityCenterState): string {
  return `${mintHex(ic, 10)}-${mintUuid(ic)}`;
}

/**
 * The organization's Identity Center instance, seeded on first need (CreateOrganization calls this too, so
 * it shows in the state at once); undefined without an organization with all features. Its ids derive from the organization
 * id, so the same organization always gets the same instance.
 */
export function identityCenter(state: SandboxState, now: Date): IdentityCenterState | undefined {
  if (state.identityCenter) return state.identityCenter;
  const org = state.organization;
  // Identity Center needs an organization with all features enabled.
  if (!org || org.featureSet !== 'ALL') return undefined;
  const seed = createHash('sha256').update(`identity-center:${org.id}`).digest('hex');
  const alnum = BigInt(`0x${seed.slice(16, 40)}`).toString(36).padStart(10, '0').slice(0, 10);
  const ic: IdentityCenterState = {
    instanceArn: `arn:aws:sso:::instance/ssoins-${seed.slice(0, 16)}`,
    identityStoreId: `d-${alnum}`,
    ownerAccountId: org.managementAccountId,
    region: IDENTITY_CENTER_REGION,
    createdDate: now.toISOString(),
    permissionSets: {},
    assignments: [],
    provisioned: {},
    requests: {},
    inFlight: [],
    directory: { users: {}, groups: {}, memberships: [] },
    minted: 0,
  };
  for (const name of SEED_GROUPS) addDirectoryGroup(ic, name);
  for (const u of SEED_USERS) addDirectoryUser(ic, { userName: u.userName, givenName: u.given, familyName: u.family, groups: [u.group] });
  state.identityCenter = ic;
  return ic;
}

/** The instance's id (ssoins-...), the part of its ARN permission set ARNs repeat. */
export function instanceId(ic: IdentityCenterState): string {
  return ic.instanceArn.slice(ic.instanceArn.lastIndexOf('/') + 1);
}

/** Adds a group to the instance's directory (tests and seeding: AWS's writes go through CreateGroup). */
export function addDirectoryGroup(ic: IdentityCenterState, displayName: string, description?: string): DirectoryGroup {
  const id = mintDirectoryId(ic);
  const group: DirectoryGroup = { GroupId: id, DisplayName: displayName, Description: description };
  ic.directory.groups[id] = group;
  return group;
}

/** Adds a user to the instance's directory, member of the groups named by DisplayName (which must exist). */
export function addDirectoryUser(ic: IdentityCenterState, opts: { userName: string; givenName?: string; familyName?: string; groups?: string[] }): DirectoryUser {
  const groups = (opts.groups ?? []).map((name) => {
    const group = Object.values(ic.directory.groups).find((g) => g.DisplayName === name);
    if (!group) throw new Error(`no group ${name} in the identity store`);
    return group;
  });
  const id = mintDirectoryId(ic);
  const given = opts.givenName ?? opts.userName;
  const family = opts.familyName ?? 'User';
  const user: DirectoryUser = {
    UserId: id,
    UserName: opts.userName,
    DisplayName: `${given} ${family}`,
    Name: { GivenName: given, FamilyName: family },
    Emails: [{ Value: `${opts.userName}@sandbox.lz.local`, Type: 'work', Primary: true }],
  };
  ic.directory.users[id] = user;
  for (const group of groups) ic.directory.memberships.push({ MembershipId: mintDirectoryId(ic), GroupId: group.GroupId, UserId: id });
  return user;
}
