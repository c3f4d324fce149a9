import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { getProxyForUrl } from 'proxy-from-env';
import { LzError } from '../errors.js';

/** Sockets per pool: lz works in up to 64 accounts at once by default, each with a few calls in flight. */
const MAX_SOCKETS = 256;

const PROXY_VARIABLES = ['https_proxy', 'http_proxy', 'all_proxy'];

type HandleArgs = Parameters<NodeHttpHandler['handle']>;

export type RunRequestHandler = NodeHttpHandler | ProxyRoutingHandler;

/**
 * The run's HTTP connections, one keep-alive pool for every client of the run. Node 20 and the SDK's HTTP
 * handler read no proxy variables; as the SDK's guide has it, lz passes a proxy agent itself: with
 * HTTPS_PROXY / HTTP_PROXY / ALL_PROXY set (either case), each request goes through the proxy the
 * environment names for its host, and NO_PROXY's hosts (S3 or STS behind VPC endpoints, say) directly, each
 * way with a pool of its own. With none set, the SDK's handler as it is.
 */
export function runRequestHandler(): RunRequestHandler {
  const proxies = Object.entries(process.env).filter(([name, value]) => PROXY_VARIABLES.includes(name.toLowerCase()) && value);
  // Named, never shown: the value may hold the proxy's password.
  for (const [name, value] of proxies) if (!URL.canParse(value!.includes('://') ? value! : `http://${value}`)) throw new LzError('bad-option', `${name} is not a proxy URL`, { hint: 'Set it as http://host:port, with user:password@ before the host if the proxy asks for them.' });
  return proxies.length > 0 ? new ProxyRoutingHandler() : direct();
}

function direct(): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  });
}

function through(proxy: string): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new HttpProxyAgent({ proxy, keepAlive: true, maxSockets: MAX_SOCKETS }),
    httpsAgent: new HttpsProxyAgent({ proxy, keepAlive: true, maxSockets: MAX_SOCKETS }),
  });
}

/** Sends each request directly or through its proxy (getProxyForUrl: the variables and NO_PROXY). */
export class ProxyRoutingHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  /** By proxy URL; '' is the direct way. */
  private readonly ways = new Map<string, NodeHttpHandler>();

  handle(request: HandleArgs[0], options?: HandleArgs[1]): ReturnType<NodeHttpHandler['handle']> {
    const port = request.port ? `:${request.port}` : '';
    return this.way(getProxyForUrl(`${request.protocol}//${request.hostname}${port}`)).handle(request, options);
  }

  private way(proxy: string): NodeHttpHandler {
    let handler = this.ways.get(proxy);
    if (!handler) {
      handler = proxy ? through(proxy) : direct();
      this.ways.set(proxy, handler);
    }
    return handler;
  }

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler['updateHttpClientConfig']>): void {
    for (const handler of this.ways.values()) handler.updateHttpClientConfig(...args);
  }

  httpHandlerConfigs(): ReturnType<NodeHttpHandler['httpHandlerConfigs']> {
    return this.way('').httpHandlerConfigs();
  }

  destroy(): void {
    for (const handler of this.ways.values()) handler.destroy();
    this.ways.clear();
  }
}
