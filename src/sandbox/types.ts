import type { SandboxState } from './state.js';

/** A request as it came off the wire, before it is authenticated. */
export interface RawRequest {
  method: string;
  /** The path as sent on the wire (still percent-encoded), without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Who is calling, as resolved from the request's access key. */
export interface Caller {
  accountId: string;
  /** arn:aws:iam::123456789012:user/name, arn:aws:sts::123456789012:assumed-role/Role/session, or ...:root */
  arn: string;
  accessKeyId: string;
  /**
   * 'user' for IAM users' long-term keys, 'assumed-role' for STS session keys, 'root' for root keys,
   * 'anonymous' for an unsigned request to an operation AWS serves unsigned (its other fields are empty).
   */
  kind: 'user' | 'assumed-role' | 'root' | 'anonymous';
  /** For assumed roles: the role name. For users: the user name. */
  principalName: string;
}

/**
 * An error as AWS would send it. The protocol layer turns it into the wire shape of the service's
 * protocol (awsQuery XML, awsJson `__type`, restJson `x-amzn-errortype`, restXml), so the SDK raises the
 * modelled exception class for `code`.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** awsQuery's <Type>: Sender for client errors, Receiver for server errors. */
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = 'AwsError';
  }
}

/** Timings that make the sandbox behave like AWS (all in milliseconds). */
export interface SandboxDelays {
  /** How long CreateAccount stays IN_PROGRESS. */
  createAccount: number;
  /** How long after CreateAccount SUCCEEDED the access role refuses AssumeRole (IAM propagation). */
  rolePropagation: number;
  /** How long after CreateOrganization CreateAccount answers FinalizingOrganizationException. */
  organizationFinalizing: number;
  /**
   * How long after an Organizations entity (the organization, its root, an OU, a created account) came into
   * being a write to it answers ConcurrentModificationException.
   */
  concurrentModification: number;
  /** How long after CreateAccount SUCCEEDED STS refuses AssumeRole into the account with RegionDisabledException. */
  stsActivation: number;
  /**
   * How long after a new account can first be entered (STS activated and the access role propagated) its
   * principals' calls to S3, S3 Control and the awsJson services answer NotSignedUp / SubscriptionRequiredException.
   */
  serviceActivation: number;
  /**
   * How long an opt-in Region stays ENABLING after EnableRegion (DISABLING after DisableRegion) before it is
   * ENABLED (DISABLED). AWS takes minutes for most accounts, hours for some.
   */
  regionOptIn: number;
  /** How long an account Organizations' CloseAccount closes stays PENDING_CLOSURE before it is SUSPENDED. */
  closeAccount: number;
  /**
   * How long IAM Identity Center's asynchronous requests (ProvisionPermissionSet, CreateAccountAssignment,
   * DeleteAccountAssignment) stay IN_PROGRESS before they SUCCEED or FAIL. AWS takes seconds to minutes.
   */
  identityCenter: number;
}

/** Runtime services a handler may use besides the state. Deterministic from the sandbox seed. */
export interface SandboxRuntime {
  now(): Date;
  /** Deterministic pseudo-random number in [0, 1) from the sandbox seed. */
  random(): number;
  /** A fresh id made of `length` characters from `alphabet` (default lowercase + digits). */
  randomId(length: number, alphabet?: string): string;
  /** A new unused 12-digit account id. */
  newAccountId(): string;
  delays: SandboxDelays;
  /** Organizations' account limit (ACCOUNT_LIMIT_EXCEEDED past it). */
  accountLimit: number;
  /** Organizations allows this many CreateAccount requests IN_PROGRESS at once. */
  maxCreateAccountInFlight: number;
  /** Persist the state now (the core also does this after every mutating call). */
  persist(): void;
}

export interface OperationContext {
  state: SandboxState;
  caller: Caller;
  runtime: SandboxRuntime;
  region: string;
  requestId: string;
  /** restJson1/restXml: the parameters bound from the path and query string. */
  params: Record<string, string>;
  /** Raw headers (lower-cased), for the few operations that read one (S3 If-None-Match, ...). */
  headers: Record<string, string>;
}

/**
 * One operation. `input` is the request decoded by the protocol layer into the AWS member names
 * (`UserName`, `Tags: [{Key, Value}]`, ...); the return value uses AWS member names too and is encoded
 * by the protocol layer (Date values become ISO-8601 in XML and epoch seconds in JSON).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- inputs are decoded wire data; handlers validate them
export type OperationHandler = (ctx: OperationContext, input: Record<string, any>) => unknown | Promise<unknown>;

export type Protocol = 'awsQuery' | 'awsJson1_1' | 'restJson1' | 'restXml';

/** One AWS service of the sandbox: one file under src/sandbox/services/. */
export interface SandboxService {
  /** The SigV4 signing name in the credential scope: 'iam', 'sts', 'organizations', 'budgets', 'account', 's3'. */
  signingName: string;
  protocol: Protocol;
  /** awsJson1_1: the X-Amz-Target prefix, e.g. 'AWSOrganizationsV20161128'. */
  targetPrefix?: string;
  /** awsQuery, restXml: the XML namespace of responses, e.g. 'https://iam.amazonaws.com/doc/2010-05-08/' (restXml default: S3's). */
  xmlNamespace?: string;
  /**
   * When several services share a signing name (S3 and S3 Control both sign as `s3`): whether a request is
   * this service's. The service without `claims` takes the requests no other claims (see dispatch.ts).
   */
  claims?: (req: RawRequest) => boolean;
  /** The IAM action of an operation when it is not `signingName:Operation` (policy evaluation, root-task session policies). */
  actionOf?: (operation: string) => string;
  /**
   * The ARN of the resource an operation acts on, as policies' Resource elements and SCPs see it
   * (default '*': the action has no resource type, or the sandbox does not model it).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded wire input, as handlers get it
  resourceOf?: (operation: string, input: Record<string, any>, ctx: OperationContext) => string;
  /** The service's own condition keys for a request (lower-cased, e.g. `sts:taskpolicyarn`), as policies compare them. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as resourceOf: each service reads its own input shapes
  conditionKeysOf?: (operation: string, input: Record<string, any>) => Record<string, string[]>;
  /** restXml: errors come inside `<ErrorResponse>` (S3 Control); S3's model says noErrorWrapping. */
  wrapsXmlErrors?: boolean;
  /** restJson1/restXml: map a request to an operation and its path/query parameters. */
  route?: (method: string, path: string, query: URLSearchParams) => { operation: string; params: Record<string, string> } | undefined;
  operations: Record<string, OperationHandler>;
  /**
   * Operations AWS serves without a signature (STS AssumeRoleWithWebIdentity: the token is the credential).
   * An unsigned request reaches them as the anonymous caller; every other unsigned request is refused.
   */
  unsignedOperations?: string[];
  /**
   * The operations that change nothing. Used by the request log (tests assert a plan made no write) and
   * by read-only principals. Default: names starting with Get, List, Describe, Head.
   */
  isReadOnly?: (operation: string) => boolean;
}

/** One line of the request log that tests read. */
export interface RequestLogEntry {
  service: string;
  operation: string;
  /** The IAM action the request is authorized as (`iam:CreateUser`, `budgets:ViewBudget`); empty before routing. */
  action: string;
  callerAccount: string;
  callerArn: string;
  status: number;
  errorCode?: string;
  readOnly: boolean;
  time: number;
}
