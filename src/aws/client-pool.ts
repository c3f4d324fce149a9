import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { MiddlewareHost } from './rate-limit.js';

/** The part of an SDK client the pool touches: its stack, and its credentials, which the SDK lets be replaced. */
export interface PoolableClient extends MiddlewareHost {
  config: { credentials?: unknown };
}

/** The member account a pooled client works for now: its calls are logged, described and rate-limited as that account's. */
export interface Lease {
  accountId: string;
}

interface Tracked {
  lease: Lease;
  /** Calls started and not finished: a client is lent again only once none is. */
  inFlight: number;
}

/**
 * Member accounts' SDK clients, lent to one account at a time. Making a client costs about half a
 * millisecond of CPU on its first call (configuration resolved, middleware stack built), four times per
 * member account, and leaves it to the garbage collector once the account is done; at thousands of accounts
 * that is a large share of lz's CPU and of its allocations. A client an account is done with is lent to the
 * next account that needs one of its service instead, with that account's credentials (the SDK re-wraps
 * credentials assigned to its config) and lease.
 */
export class ClientPool {
  private readonly idle = new Map<string, PoolableClient[]>();
  private readonly tracked = new WeakMap<PoolableClient, Tracked>();

  /** A client another account is done with, now `accountId`'s; undefined when none is free. */
  take(service: string, accountId: string, credentials: AwsCredentialIdentityProvider): PoolableClient | undefined {
    const client = this.idle.get(service)?.pop();
    if (!client) return undefined;
    this.tracked.get(client)!.lease.accountId = accountId;
    client.config.credentials = credentials;
    return client;
  }

  /**
   * Makes a new client lendable later, and returns its lease. Its in-flight count is kept by the outermost
   * step of its stack, so that a client whose account's task ended while one of its calls still ran (a read
   * abandoned after another failed) is never lent mid-call.
   */
  enrol(client: PoolableClient, accountId: string): Lease {
    const tracked: Tracked = { lease: { accountId }, inFlight: 0 };
    this.tracked.set(client, tracked);
    client.middlewareStack.add(
      (next) => async (args) => {
        tracked.inFlight += 1;
        try {
          return await next(args);
        } finally {
          tracked.inFlight -= 1;
        }
      },
      { step: 'initialize', priority: 'high', name: 'lzClientPool' },
    );
    return tracked.lease;
  }

  /** Takes back a client its account is done with; one still busy is dropped instead. */
  give(service: string, client: PoolableClient): void {
    if (this.tracked.get(client)?.inFlight !== 0) return;
    let list = this.idle.get(service);
    if (!list) {
      list = [];
      this.idle.set(service, list);
    }
    list.push(client);
  }
}
