// The benchmark's yardstick for lz's CPU per call: what the SDK alone costs. Run as its own process by
// scripts/bench/sdk-floor.ts, which serves the endpoint: IAM GetAccountSummary sent CALLS times, WIDTH at a
// time, by sixteen clients configured as lz configures its own (keep-alive agent, standard retries), against
// a server that answers at once. Prints the process's CPU time per call after a warm-up, in milliseconds.
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';

const [endpoint, calls, width] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const requestHandler = new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) });
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const clients = Array.from({ length: 16 }, () => new IAMClient({ region: 'us-east-1', endpoint, credentials, requestHandler, maxAttempts: 3, retryMode: 'standard' }));
await Promise.all(clients.map((c) => c.send(new GetAccountSummaryCommand({}))));
const before = process.resourceUsage();
let sent = 0;
await Promise.all(
  Array.from({ length: width }, async (_, i) => {
    while (sent < calls) {
      sent += 1;
      await clients[i % clients.length].send(new GetAccountSummaryCommand({}));
    }
  }),
);
const after = process.resourceUsage();
const cpuMs = (after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime) / 1000;
process.stdout.write(`${JSON.stringify({ cpuMsPerCall: cpuMs / calls })}\n`);
