/**
 * The SDK's own CPU per call, the floor under lz's: the benchmark's "lz CPU ms / call" minus this is what
 * lz adds (its engine, its middleware, its memory). The client runs in a process of its own, as lz does;
 * this process answers it at once with a fixed GetAccountSummary response, so nothing but the SDK's work
 * (and the kernel's, for the sockets) is counted.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const SUMMARY = ['Users', 'Groups', 'Roles', 'Policies', 'MFADevices', 'MFADevicesInUse', 'AccountMFAEnabled', 'AccountAccessKeysPresent'];
const BODY =
  '<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountSummaryResult><SummaryMap>' +
  SUMMARY.map((k, i) => `<entry><key>${k}</key><value>${i % 2}</value></entry>`).join('') +
  '</SummaryMap></GetAccountSummaryResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></GetAccountSummaryResponse>';

/** Milliseconds of CPU per call the SDK alone spends: `calls` calls, `width` at a time. */
export async function sdkFloor(root: string, width: number, calls = 10_000): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': '7a62c49f-347e-4fc4-9331-6e8eEXAMPLE' }).end(BODY));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const child = spawn(process.execPath, [join(root, 'scripts/bench/sdk-floor-client.mjs'), endpoint, String(calls), String(width)], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    if (code !== 0) throw new Error(`the SDK floor probe exited ${code}`);
    return (JSON.parse(out) as { cpuMsPerCall: number }).cpuMsPerCall;
  } finally {
    server.close();
  }
}
