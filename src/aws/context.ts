import { LzError } from '../errors.js';
import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { AccountClient } from '@aws-sdk/client-account';
import { BCMDataExportsClient } from '@aws-sdk/client-bcm-data-exports';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { IAMClient } from '@aws-sdk/client-iam';
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { AssumeRoleCommand, AssumeRootCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from '../log.js';
import { QuotaTable, limitCalls, type MiddlewareHost, type QuotaSource } from './rate-limit.js';
import { accountApiQuota, identityStoreQuota, organizationsQuota, ssoAdminQuota } from './quotas.js';
import { observeCalls } from './request-log.js';
import { ClientPool, type PoolableClient } from './client-pool.js';
import { retrySettling } from './settling.js';
import { retryOnlyTimeRefusals } from './clock-skew.js';
import { runRequestHandler, type RunRequestHandler } from './proxy.js';

export interface AwsContextOptions {
  region: string;
  /** A named profile for the management account's credentials (SDK default chain otherwise). */
  profile?: string;
  /** Explicit endpoint for every service (the in-process sandbox); AWS_ENDPOINT_URL* is honoured by the SDK otherwise. */
  endpoint?: string;
  /** Explicit management credentials (the in-process sandbox, tests); the SDK's default chain otherwise. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The role lz assumes in every member account. */
  accessRole: string;
  /** How many accounts are worked on at once. */
  parallelism: number;
  /** The SDK's attempts per call (its standard retry strategy with back-off); configured once here. */
  maxAttempts?: number;
  logger: Logger;
  /**
   * A read thread's link to the context of the run's main thread (src/cli/read-threads.ts), which keeps what
   * the run shares: the management account's credentials, member accounts' sessions, the management
   * account's quota buckets, and who lz runs as. `credentials` is not used then, and `profile` only for its
   * settings (FIPS, dual-stack).
   */
  link?: RunLink;
}

/** The management account's quotas every thread of a run shares. */
export type SharedQuota = 'organizations' | 'sso-admin' | 'identitystore';

/** What a read thread asks the main thread's context for. */
export interface RunLink {
  callerIdentity(): Promise<{ account: string; arn: string }>;
  managementCredentials: AwsCredentialIdentityProvider;
  credentialsFor(accountId: string): Promise<AwsCredentialIdentity>;
  quota(name: SharedQuota): QuotaSource;
}

/** The configuration every SDK client of a run shares. */
interface ClientConfig extends Partial<RunSettings> {
  region: string;
  requestHandler?: RunRequestHandler;
  maxAttempts: number;
  retryMode: 'standard';
  profile?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * Settings every SDK client otherwise looks up on its first call, in the environment and then the shared
 * config files: each lookup that finds nothing (the usual case) throws and catches an error with its stack,
 * about 0.3 ms of CPU per client, and lz makes four clients per member account. They are the same for every
 * client of a run, so one client reads them with the SDK's own loaders and the others share its answers.
 */
interface RunSettings {
  useFipsEndpoint: () => Promise<boolean>;
  useDualstackEndpoint: () => Promise<boolean>;
  userAgentAppId: () => Promise<string | undefined>;
  authSchemePreference: () => Promise<string[]>;
}

function runSettings(config: ClientConfig): RunSettings {
  // Made to be read, never sent: the management account's configuration (its --profile) decides.
  const probe = new STSClient(config).config;
  const once = <T>(read: () => Promise<T>) => {
    let value: Promise<T> | undefined;
    return () => (value ??= read());
  };
  return {
    useFipsEndpoint: once(async () => (await probe.useFipsEndpoint()) === true),
    useDualstackEndpoint: once(async () => (await probe.useDualstackEndpoint()) === true),
    userAgentAppId: once(probe.userAgentAppId),
    authSchemePreference: once(probe.authSchemePreference ?? (() => Promise.resolve([]))),
  };
}

type Client = PoolableClient & { destroy(): void };

/**
 * The SDK clients for one account, made (or, for a member account, borrowed from the run's pool) on first
 * use and kept until the account is done.
 */
export class AccountClients {
  private cache = new Map<string, Client>();

  constructor(
    readonly accountId: string | undefined,
    private readonly config: ClientConfig,
    /** Adds lz's steps to a new client; `account` says whose calls they are, which changes as a pooled client is lent. */
    private readonly shapeCalls?: (client: MiddlewareHost, service: string, account: () => string | undefined) => void,
    private readonly pool?: ClientPool,
  ) {}

  private get<T extends Client>(service: string, make: (config: ClientConfig) => T): T {
    let client = this.cache.get(service) as T | undefined;
    if (client) return client;
    const { credentials } = this.config;
    client = (this.pool && this.accountId && typeof credentials === 'function' ? this.pool.take(service, this.accountId, credentials) : undefined) as T | undefined;
    if (!client) {
      client = make(this.config);
      // The SDK's logger step copies every call's input and output through their schemas to hide sensitive
      // members, even for its default logger, which logs nothing; lz logs calls itself (request-log.ts).
      client.middlewareStack.remove('loggerMiddleware');
      const lease = this.pool && this.accountId ? this.pool.enrol(client, this.accountId) : undefined;
      this.shapeCalls?.(client, service, lease ? () => lease.accountId : () => this.accountId);
    }
    this.cache.set(service, client);
    return client;
  }

  get organizations(): OrganizationsClient {
    return this.get('organizations', (c) => new OrganizationsClient(c));
  }
  get sts(): STSClient {
    return this.get('sts', (c) => new STSClient(c));
  }
  get iam(): IAMClient {
    return this.get('iam', (c) => new IAMClient(c));
  }
  get budgets(): BudgetsClient {
    return this.get('budgets', (c) => new BudgetsClient(c));
  }
  get account(): AccountClient {
    return this.get('account', (c) => new AccountClient(c));
  }
  /** IAM Access Analyzer, for ValidatePolicy (policy lint before apply). */
  get accessAnalyzer(): AccessAnalyzerClient {
    return this.get('access-analyzer', (c) => new AccessAnalyzerClient(c));
  }
  /**
   * Path-style addressing when an endpoint is configured (the sandbox, an emulator): it serves every bucket
   * on one host, where AWS's virtual-hosted style would need a DNS name per bucket.
   *
   * A bucket lives in one Region and S3 answers a request sent to another with 301 PermanentRedirect and
   * the bucket's Region in `x-amz-bucket-region`, which SDK v3 only follows when told to
   * (`followRegionRedirects`): then it sends the request again to that Region. Its cost: two requests for
   * every call to a bucket elsewhere (the SDK remembers no bucket's Region), none for a bucket here. The
   * buckets lz names (the lock bucket, a trail or export bucket) may be in any Region.
   */
  get s3(): S3Client {
    return this.get('s3', (c) => new S3Client({ ...c, followRegionRedirects: true, ...(c.endpoint || process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3 ? { forcePathStyle: true } : {}) }));
  }
  /**
   * S3 Control's endpoint rules put the account id in front of the host (`{AccountId}.s3-control...`), also
   * in front of a configured endpoint, where `123456789012.127.0.0.1` names no host. With an endpoint
   * configured (the sandbox, an emulator) requests go to it as it is: the account id travels in the
   * x-amz-account-id header anyway.
   */
  get s3Control(): S3ControlClient {
    return this.get('s3-control', (c) => {
      const endpoint = c.endpoint ?? process.env.AWS_ENDPOINT_URL_S3_CONTROL ?? process.env.AWS_ENDPOINT_URL;
      return new S3ControlClient({ ...c, ...(endpoint ? { endpointProvider: () => ({ url: new URL(endpoint) }) } : {}) });
    });
  }
  get cloudtrail(): CloudTrailClient {
    return this.get('cloudtrail', (c) => new CloudTrailClient(c));
  }
  /** CloudTrail in a trail's home Region: the only one where its tags are read and it is changed. */
  cloudtrailIn(region: string): CloudTrailClient {
    return region === this.config.region ? this.cloudtrail : this.get(`cloudtrail:${region}`, (c) => new CloudTrailClient({ ...c, region }));
  }
  /** IAM Identity Center's admin API. Identity Center lives in one Region (its home Region), which need not be the run's. */
  ssoAdminIn(region: string): SSOAdminClient {
    return this.get(`sso-admin:${region}`, (c) => new SSOAdminClient({ ...c, region }));
  }
  /** The identity store of Identity Center's instance (its groups and users), in Identity Center's home Region. */
  identityStoreIn(region: string): IdentitystoreClient {
    return this.get(`identitystore:${region}`, (c) => new IdentitystoreClient({ ...c, region }));
  }
  /** Secrets Manager in the run's Region, where lz keeps initial passwords. */
  get secretsManager(): SecretsManagerClient {
    return this.secretsManagerIn(this.config.region);
  }
  /** Secrets Manager in `region`: a secret lives in one Region (a saved plan names the one it was made for). */
  secretsManagerIn(region: string): SecretsManagerClient {
    return this.get(`secretsmanager:${region}`, (c) => new SecretsManagerClient({ ...c, region }));
  }
  /** Data Exports has one endpoint, in us-east-1, whatever the run's region. */
  get bcmDataExports(): BCMDataExportsClient {
    return this.get('bcm-data-exports', (c) => new BCMDataExportsClient({ ...c, region: 'us-east-1' }));
  }

  /**
   * Lets the clients go. A client's own destroy() would close its request handler, which the context
   * shares between all clients of the run; those are only dropped here and the context closes the pool.
   */
  destroy(): void {
    if (!this.config.requestHandler) for (const c of this.cache.values()) c.destroy();
    this.cache.clear();
  }

  /** Hands lent clients back to the run's pool, for the next account. */
  giveBack(): void {
    if (!this.pool) return;
    for (const [service, c] of this.cache) this.pool.give(service, c);
    this.cache.clear();
  }
}

/** A client's cache key (`cloudtrail:eu-west-1`, `sso-admin:us-east-1`) as IAM's service prefix, which errors and docs/permissions.md use. */
const IAM_PREFIX: Record<string, string> = { 's3-control': 's3', 'sso-admin': 'sso' };
function iamPrefix(service: string): string {
  const name = service.split(':')[0]!;
  return IAM_PREFIX[name] ?? name;
}

/** Refresh assumed-role credentials this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Everything lz needs to talk to AWS for one run: the management account's clients, a way to get any
 * member account's clients through STS AssumeRole, and the limiters that keep calls within AWS quotas.
 * Built per run and passed down; nothing here is global, so a test builds one against its own sandbox.
 */
export class AwsContext {
  readonly management: AccountClients;
  /** Bounds how many accounts are worked on at once. */
  readonly accountLimit: LimitFunction;
  private readonly members = new Map<string, AccountClients>();
  private readonly assumed = new Map<string, Promise<AwsCredentialIdentity>>();
  private caller?: Promise<{ account: string; arn: string }>;
  /** The management account's id once GetCallerIdentity said it: the request log and errors name it. */
  private managementAccountId?: string;
  private readonly sharedQuotas: Record<SharedQuota, QuotaSource>;
  /** The management account's credentials, as every management client gets them. */
  private readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  private readonly accountApiQuotas = new Map<string, QuotaTable>();
  private readonly memberClients = new ClientPool();
  private readonly runReads = new Map<string, Promise<unknown>>();
  private settings?: RunSettings;
  /**
   * One connection pool for every client of the run (src/aws/proxy.ts): with a client per (account,
   * service), a pool per client would open new connections for every account.
   */
  private readonly requestHandler = runRequestHandler();

  constructor(readonly options: AwsContextOptions) {
    this.accountLimit = pLimit(Math.max(1, options.parallelism));
    const { link } = options;
    this.sharedQuotas = link
      ? { organizations: link.quota('organizations'), 'sso-admin': link.quota('sso-admin'), identitystore: link.quota('identitystore') }
      : { organizations: new QuotaTable(organizationsQuota), 'sso-admin': new QuotaTable(ssoAdminQuota), identitystore: new QuotaTable(identityStoreQuota) };
    // One credential chain for every management client: given none, each client would run the SDK's chain
    // itself, and in CI that is one AssumeRoleWithWebIdentity (or SSO exchange) per client.
    this.credentials = link?.managementCredentials ?? options.credentials ?? defaultProvider(options.profile ? { profile: options.profile } : {});
    this.management = new AccountClients(
      undefined,
      this.clientConfig(this.credentials),
      (client, service) => this.shapeCalls(undefined, client, service),
    );
  }

  get logger(): Logger {
    return this.options.logger;
  }

  /**
   * Where lz says it is waiting for AWS to settle (an SDK retry of a settling error): the log, unless a
   * command shows progress (apply sets it to its progress lines).
   */
  progress: (subject: string, step: string) => void = (subject, step) => this.logger.info({ subject }, step);

  private clientConfig(credentials: NonNullable<AwsContextOptions['credentials']>): ClientConfig {
    const config: ClientConfig = {
      region: this.options.region,
      requestHandler: this.requestHandler,
      maxAttempts: this.options.maxAttempts ?? 8,
      retryMode: 'standard',
      ...(this.options.profile ? { profile: this.options.profile } : {}),
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    };
    this.settings ??= runSettings(config);
    return { ...config, ...this.settings };
  }

  /**
   * Every Organizations call and every Account API call made with the management account's credentials
   * share that account's quotas; a member account's Account API calls draw from that account's own.
   * `member` says which member account a client works for (undefined: the management account's clients).
   */
  private shapeCalls(member: (() => string | undefined) | undefined, client: MiddlewareHost, service: string): void {
    const key = () => member?.() ?? 'management';
    this.everyClient(member ?? (() => this.managementAccountId), client, service);
    retrySettling(client, (operation, code, why) => this.progress(key(), `${operation} answered ${code} (${why}); waiting and trying again`));
    if (service === 'organizations' && !member) limitCalls(client, this.sharedQuotas.organizations);
    if (service.startsWith('sso-admin:') && !member) limitCalls(client, this.sharedQuotas['sso-admin']);
    if (service.startsWith('identitystore:') && !member) limitCalls(client, this.sharedQuotas.identitystore);
    if (service === 'account') limitCalls(client, () => this.accountApiTable(key()));
  }

  private accountApiTable(key: string): QuotaTable {
    let table = this.accountApiQuotas.get(key);
    if (!table) {
      table = new QuotaTable(accountApiQuota);
      this.accountApiQuotas.set(key, table);
    }
    return table;
  }

  /**
   * What every client of the run has, a root task's included: each call logged (at debug) with its errors
   * naming it (src/aws/request-log.ts), and the SDK's clock-skew retry kept for refusals of time
   * (src/aws/clock-skew.ts).
   */
  private everyClient(account: () => string | undefined, client: MiddlewareHost, service: string): void {
    observeCalls(client, { service: iamPrefix(service), account, logger: this.logger });
    retryOnlyTimeRefusals(client);
  }

  /** The management account's bucket for `name`, which a read thread's calls take their tokens from too. */
  sharedQuota(name: SharedQuota): QuotaSource {
    return this.sharedQuotas[name];
  }

  /** The management account's credentials as its clients get them, for a read thread's clients. */
  async managementCredentials(): Promise<AwsCredentialIdentity> {
    return typeof this.credentials === 'function' ? this.credentials() : this.credentials;
  }

  /** Who lz runs as (asked once): the account it must be the management account of, and the session names' source. */
  callerIdentity(): Promise<{ account: string; arn: string }> {
    const { link } = this.options;
    this.caller ??= (link ? link.callerIdentity() : this.management.sts.send(new GetCallerIdentityCommand({})).then((r) => ({ account: r.Account ?? '', arn: r.Arn ?? 'unknown' }))).then((caller) => {
      this.managementAccountId = caller.account || undefined;
      return caller;
    });
    return this.caller;
  }

  /**
   * A management-account read that many accounts' reads need (e.g. IAM's organization features), made once
   * per run: `memo(key, read)` returns the first call's promise.
   */
  memo<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (!this.runReads.has(key)) this.runReads.set(key, read());
    return this.runReads.get(key) as Promise<T>;
  }

  /** Clients for a member account, through the access role; the management account gets its own clients. */
  forAccount(accountId: string, managementAccountId: string): AccountClients {
    if (accountId === managementAccountId) return this.management;
    let clients = this.members.get(accountId);
    if (!clients) {
      clients = new AccountClients(accountId, this.clientConfig(() => this.credentialsFor(accountId)), (client, service, account) =>
        this.shapeCalls(account, client, service),
      );
      this.members.set(accountId, clients);
    }
    return clients;
  }

  /**
   * Clients for one task inside a member account (a plan's read of it), lent from the run's pool
   * (src/aws/client-pool.ts): the task gives them back with `giveBack()` when it is done, or lets them go
   * with `destroy()` after a failure (a read abandoned mid-way may still call). Only for work that keeps no
   * client past its end; the management account gets its own clients.
   */
  lend(accountId: string, managementAccountId: string): AccountClients {
    if (accountId === managementAccountId) return this.management;
    return new AccountClients(
      accountId,
      this.clientConfig(() => this.credentialsFor(accountId)),
      (client, service, account) => this.shapeCalls(account, client, service),
      this.memberClients,
    );
  }

  roleArn(accountId: string): string {
    return `arn:aws:iam::${accountId}:role/${this.options.accessRole}`;
  }

  /**
   * Assumes the access role once per account and reuses the credentials until shortly before they expire
   * (role chaining caps sessions at an hour). Concurrent callers share one AssumeRole call.
   */
  credentialsFor(accountId: string): Promise<AwsCredentialIdentity> {
    const cached = this.assumed.get(accountId);
    if (cached) {
      return cached.then((creds) =>
        creds.expiration && creds.expiration.getTime() - Date.now() < REFRESH_MARGIN_MS ? this.assume(accountId) : creds,
      );
    }
    return this.assume(accountId);
  }

  private assume(accountId: string): Promise<AwsCredentialIdentity> {
    // A read thread's sessions are the main thread's: one AssumeRole per account for the whole run.
    const { link } = this.options;
    const pending = link ? link.credentialsFor(accountId) : this.sessionName().then(async (sessionName) => {
      const out = await this.management.sts.send(
        new AssumeRoleCommand({ RoleArn: this.roleArn(accountId), RoleSessionName: sessionName, DurationSeconds: 3600 }),
      );
      return sessionIdentity(out.Credentials, `AssumeRole into ${accountId}`);
    });
    this.assumed.set(accountId, pending);
    pending.catch(() => this.assumed.delete(accountId));
    return pending;
  }

  /** `lz-<caller name>`: CloudTrail in the member account then says who ran lz. */
  private async sessionName(): Promise<string> {
    const { arn } = await this.callerIdentity();
    const who = arn.split('/').pop() ?? 'unknown';
    return `lz-${who}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  }

  /**
   * Clients that act as a member account's root user for one task (sts:AssumeRoot with an AWS-managed
   * root-task policy, e.g. `IAMDeleteRootUserCredentials`), from the management account's credentials.
   * Needs centralized root access (RootSessions). Sessions last at most 15 minutes; each call of this
   * method starts a new one, so use the clients for one task. Do not destroy() them: they share the run's
   * connection pool (an SDK client's destroy() closes its request handler).
   */
  forRootTask(accountId: string, taskPolicyArn: string): AccountClients {
    let session: Promise<AwsCredentialIdentity> | undefined;
    const credentials = () => {
      session ??= this.management.sts
        .send(new AssumeRootCommand({ TargetPrincipal: accountId, TaskPolicyArn: { arn: taskPolicyArn }, DurationSeconds: 900 }))
        .then((out) => {
          return sessionIdentity(out.Credentials, `AssumeRoot into ${accountId}`);
        });
      session.catch(() => (session = undefined));
      return session;
    };
    return new AccountClients(accountId, this.clientConfig(credentials), (client, service) => this.everyClient(() => accountId, client, service));
  }

  /**
   * Drops a member account's clients once its work is done: at thousands of accounts, keeping five SDK
   * clients per account for the whole run is most of lz's memory. Its credentials stay cached.
   */
  release(accountId: string): void {
    this.members.get(accountId)?.destroy();
    this.members.delete(accountId);
  }

  /** Forget an account's credentials (after AccessDenied while its role propagates). */
  forgetCredentials(accountId: string): void {
    this.assumed.delete(accountId);
  }

  destroy(): void {
    this.management.destroy();
    for (const c of this.members.values()) c.destroy();
    this.requestHandler.destroy();
  }
}

/** STS session credentials as the SDK's identity; a session without keys is AWS's failure, said plainly. */
function sessionIdentity(
  c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined,
  what: string,
): AwsCredentialIdentity {
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new LzError('sts-no-credentials', `${what} returned no credentials.`, { hint: 'Run again; if it persists, check the role and STS in the account.' });
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
}
