/**
 * Measures how many simple requests per second the sandbox serves on loopback with faults off:
 * GetCallerIdentity (STS) and ListUsers (IAM) from concurrent clients with keep-alive agents.
 *
 * The sandbox runs in its own process (as `lz sandbox serve` does) and the clients in others. Two kinds of
 * client:
 *  - `sdk`: the real AWS SDK v3 clients (serialise, sign, parse) — the end-to-end figure, usually bounded by
 *    the SDK's own CPU cost on the client side;
 *  - `raw`: requests signed once with SigV4 and replayed over keep-alive sockets — every one is still
 *    authenticated (signature recomputed), dispatched, handled and encoded by the sandbox, so this is the
 *    server's capacity. The target (>= 2,000/s) applies to it.
 *
 *   npx tsx scripts/sandbox-throughput.ts [seconds=3] [clientProcesses=1] [concurrencyPerProcess=32]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Agent as HttpAgent, request } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { startSandbox } from '../src/sandbox/index.js';

const self = fileURLToPath(import.meta.url);

class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}
const mode = process.env.LZ_THROUGHPUT_MODE;

interface Target {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

if (mode === 'server') {
  const sb = await startSandbox();
  process.send!({ endpoint: sb.endpoint, credentials: sb.managementCredentials } satisfies Target);
  process.on('message', async () => {
    await sb.close();
    process.exit(0);
  });
} else if (mode === 'client') {
  const { endpoint, credentials, op, kind, seconds, concurrency } = JSON.parse(process.env.LZ_THROUGHPUT_ARGS!) as Target & { op: string; kind: string; seconds: number; concurrency: number };
  const requestHandler = new NodeHttpHandler({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: concurrency }) });
  const config = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler };
  const sts = new STSClient(config);
  const iam = new IAMClient(config);
  const sdkCall = () => (op === 'sts' ? sts.send(new GetCallerIdentityCommand({})) : iam.send(new ListUsersCommand({})));
  const url = new URL(endpoint);
  const body = op === 'sts' ? 'Action=GetCallerIdentity&Version=2011-06-15' : 'Action=ListUsers&Version=2010-05-08';
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: op, sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }),
  );
  const agent = new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  const rawCall = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', agent, headers: signed.headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const call: () => Promise<unknown> = kind === 'raw' ? rawCall : sdkCall;
  await Promise.all(Array.from({ length: concurrency }, call)); // warm up
  let done = 0;
  let failed = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          await call();
          done++;
        } catch {
          failed++;
        }
      }
    }),
  );
  process.send!({ done, failed, elapsed: (performance.now() - t0) / 1000 });
  sts.destroy();
  iam.destroy();
  agent.destroy();
  process.exit(0);
} else {
  const seconds = Number(process.argv[2] ?? 3);
  const processes = Number(process.argv[3] ?? 1);
  const concurrency = Number(process.argv[4] ?? 32);
  const server = fork(self, [], { env: { ...process.env, LZ_THROUGHPUT_MODE: 'server' } });
  const target = await new Promise<Target>((resolve) => server.once('message', (m) => resolve(m as Target)));

  const run = async (kind: 'sdk' | 'raw', op: 'sts' | 'iam', label: string): Promise<number> => {
    const results = await Promise.all(
      Array.from({ length: processes }, () => {
        const child = fork(self, [], { env: { ...process.env, LZ_THROUGHPUT_MODE: 'client', LZ_THROUGHPUT_ARGS: JSON.stringify({ ...target, op, kind, seconds, concurrency }) } });
        return new Promise<{ done: number; failed: number; elapsed: number }>((resolve) => child.once('message', (m) => resolve(m as { done: number; failed: number; elapsed: number })));
      }),
    );
    const done = results.reduce((n, r) => n + r.done, 0);
    const failed = results.reduce((n, r) => n + r.failed, 0);
    const elapsed = Math.max(...results.map((r) => r.elapsed));
    const rate = done / elapsed;
    console.log(`${kind} ${label.padEnd(18)} ${rate.toFixed(0).padStart(6)} requests/s  (${done} ok, ${failed} failed; ${processes} client processes x ${concurrency} concurrent, ${seconds}s)`);
    return rate;
  };

  const sdk = Math.min(await run('sdk', 'sts', 'GetCallerIdentity'), await run('sdk', 'iam', 'ListUsers'));
  const worst = Math.min(await run('raw', 'sts', 'GetCallerIdentity'), await run('raw', 'iam', 'ListUsers'));
  server.send('stop');
  console.log(`end to end through the SDK: ${sdk.toFixed(0)} requests/s (bounded by the SDK client's CPU)`);
  console.log(`throughput: ${worst.toFixed(0)} requests/s (server capacity, the lower of the two; target >= 2000)`);
  process.exitCode = worst >= 2000 ? 0 : 1;
}
