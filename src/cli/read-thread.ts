/**
 * A read thread's entry (src/cli/read-threads.ts starts it): member accounts' reads and diffs with SDK
 * clients of its own, so that the SDK's CPU per call, which bounds a large plan, is spread over cores.
 * What the run shares it asks the main thread for: the management account's credentials and quota buckets,
 * each member account's session (one AssumeRole per account for the whole run), and who lz runs as.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsContext, type RunLink, type SharedQuota } from '../aws/context.js';
import { createLogger } from '../log.js';
import { parseManifest } from '../manifest/index.js';
import { planAccount } from '../engine/planner.js';
import { evaluatePosture, type CheckResult } from '../engine/posture.js';
import { defaultRegistry, defaultSections } from '../resources/registry.js';
import { errorFromWire, errorToWire, type FromThread, type Question, type ReadThreadSetup, type AccountSession, type ToThread } from './read-thread-wire.js';

const port = parentPort!;
const setup = workerData as ReadThreadSetup;
const send = (message: FromThread) => port.postMessage(message);

const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
let asked = 0;
function ask<T>(question: Question): Promise<T> {
  const id = asked++;
  send({ type: 'ask', id, ...question });
  return new Promise<T>((resolve, reject) => waiting.set(id, { resolve: resolve as (value: unknown) => void, reject }));
}

/** Each job's account session as the main thread sent it, until the account's read asks for it. */
const sessions = new Map<string, AccountSession>();
const quota = (name: SharedQuota) => ({
  take: (operation: string) => ask<void>({ what: 'quota', quota: name, operation }),
  refund: (operation: string) => send({ type: 'refund', quota: name, operation }),
});
const link: RunLink = {
  callerIdentity: () => ask<{ account: string; arn: string }>({ what: 'caller' }),
  managementCredentials: () => ask<AwsCredentialIdentity>({ what: 'management-credentials' }),
  credentialsFor: (accountId) => {
    const session = sessions.get(accountId);
    sessions.delete(accountId);
    if (!session) return ask<AwsCredentialIdentity>({ what: 'credentials-for', accountId });
    return session.error ? Promise.reject(errorFromWire(session.error)) : Promise.resolve(session.identity);
  },
  quota,
};
// Its lines go where the main thread's go, each saying which thread made the call.
const logger = createLogger({ level: setup.log.level, ...(setup.log.destination ? { destination: setup.log.destination } : {}) }).child({ thread: threadId });
const aws = new AwsContext({ ...setup.aws, logger, link });
aws.progress = (subject, step) => send({ type: 'progress', subject, step });
// The management account's id names its calls in the log; the main thread asked for it once already.
aws.callerIdentity().catch(() => undefined);
const { text, file, dir } = setup.manifest;
const manifest = parseManifest(text, file, defaultSections, { dir });

async function run(id: number, job: Extract<ToThread, { type: 'job' }>['job']): Promise<void> {
  const declared = manifest.accounts.find((a) => a.name === job.account);
  try {
    if (!declared) throw new Error(`a read thread's manifest has no account ${job.account}`);
    const posture: CheckResult[] = [];
    const inspectAccount = setup.inspect ? async (input: Parameters<typeof evaluatePosture>[1]) => void posture.push(...(await evaluatePosture(defaultRegistry, input))) : undefined;
    const output = await planAccount(
      { manifest, aws, registry: defaultRegistry, prune: job.prune, options: inspectAccount ? { inspectAccount } : {} },
      { declared, live: job.live, by: job.by },
      job.managementId,
    );
    send({ type: 'done', id, output, posture });
  } catch (err) {
    send({ type: 'failed', id, error: errorToWire(err) });
  }
}

port.on('message', (message: ToThread) => {
  if (message.type === 'job') {
    sessions.set(message.job.live.id, message.session);
    void run(message.id, message.job);
    return;
  }
  const question = waiting.get(message.id);
  waiting.delete(message.id);
  if (message.error) question?.reject(errorFromWire(message.error));
  else question?.resolve(message.value);
});
