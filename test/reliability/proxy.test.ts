import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN } from '../helpers/child.js';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

const manifest = `
organization: { management: General }
accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Development, email: aws+development@example.com }
`;

/**
 * A proxy as a corporate network has one: it opens a tunnel (CONNECT, as for HTTPS to AWS) for each
 * connection and remembers each. Only it knows the host `sandbox.invalid` (the sandbox): a call that did not
 * go through it cannot reach AWS here.
 */
function startProxy(sandboxPort: number): Promise<{ server: Server; url: string; tunnels: { to: string; auth?: string }[] }> {
  const tunnels: { to: string; auth?: string }[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const to = req.url ?? '';
    tunnels.push({ to, ...(req.headers['proxy-authorization'] ? { auth: req.headers['proxy-authorization'] } : {}) });
    if (to !== `sandbox.invalid:${sandboxPort}`) return void client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    const upstream = connect(sandboxPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tunnels })));
}

function lz(dir: string, env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe('behind an HTTP proxy', () => {
  let w: TestWorld;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    w.writeManifest(manifest);
    expect((await w.lz('apply', '--auto-approve')).code).toBe(0);
    proxy = await startProxy(Number(new URL(w.sandbox.endpoint).port));
  });
  afterAll(async () => {
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy.server.close(resolve));
    await w.close();
  });

  it('sends every call through the proxy HTTP_PROXY names, with its credentials, which it never prints', async () => {
    w.sandbox.clearRequests();
    const endpoint = w.sandbox.endpoint.replace('127.0.0.1', 'sandbox.invalid');
    const withCredentials = proxy.url.replace('http://', 'http://ci:s3cret-proxy-pass@');
    const r = await lz(w.dir, { AWS_ENDPOINT_URL: endpoint, HTTP_PROXY: withCredentials, NO_PROXY: '' }, 'plan', '--detailed-exitcode', '--log-level', 'debug');
    expect(r.code, r.out).toBe(0);
    expect(w.sandbox.requests().length).toBeGreaterThan(10);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(proxy.tunnels.every((t) => t.auth === `Basic ${Buffer.from('ci:s3cret-proxy-pass').toString('base64')}`)).toBe(true);
    expect(r.out).not.toContain('s3cret-proxy-pass');
  });

  it('refuses a proxy variable that is not a URL before any call, naming the variable, not its value', async () => {
    w.sandbox.clearRequests();
    const r = await lz(w.dir, { HTTPS_PROXY: 'http://ci:s3cret-proxy-pass@proxy host:80' }, 'plan');
    expect(r.code).toBe(1);
    expect(r.out).toContain('HTTPS_PROXY is not a proxy URL');
    expect(r.out).not.toContain('s3cret-proxy-pass');
    expect(w.sandbox.requests()).toHaveLength(0);
  });

  it('goes directly to the hosts NO_PROXY names', async () => {
    proxy.tunnels.length = 0;
    w.sandbox.clearRequests();
    const r = await lz(w.dir, { http_proxy: proxy.url, no_proxy: 'localhost,127.0.0.1' }, 'plan', '--detailed-exitcode');
    expect(r.code, r.out).toBe(0);
    expect(w.sandbox.requests().length).toBeGreaterThan(10);
    expect(proxy.tunnels).toHaveLength(0);
  });
});
