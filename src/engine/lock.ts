import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isError } from '../aws/aws-errors.js';
import { LzError } from '../errors.js';
import type { Permissions } from '../core/permissions.js';
import { cannotWrite, ensureWorkdir } from '../files.js';

/** Who holds a lock and since when: what the refused run shows, so a person can find them. */
export interface LockHolder {
  who: string;
  host: string;
  pid: number;
  command: string;
  since: string;
  /** The holder's start time in clock ticks since boot (Linux /proc), so a reused pid is not taken for it. */
  started?: number;
}

export interface Lock {
  release(): Promise<void>;
}

export function currentHolder(command: string): LockHolder {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host and pid still identify the run.
  }
  const started = procStat(process.pid)?.started;
  return { who: user, host: hostname(), pid: process.pid, command, since: new Date().toISOString(), ...(started === undefined ? {} : { started }) };
}

export function describeHolder(h: LockHolder): string {
  return `${h.who}@${h.host} (pid ${h.pid}, \`lz ${h.command}\`) since ${h.since}`;
}

export const LOCAL_LOCK_FILE = 'apply.lock';

/**
 * Two applies must never interleave. Locally that is a file created with O_EXCL, which only one process
 * can win. A lock left by a process that is provably gone (same host, pid not running) is taken over,
 * since nobody can release it otherwise; anything else needs `lz unlock`.
 */
export function acquireLocalLock(workdir: string, holder: LockHolder): Lock {
  ensureWorkdir(workdir);
  const path = join(workdir, LOCAL_LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
      } finally {
        closeSync(fd);
      }
      return { release: async () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(path, err);
    }
    const existing = readHolder(path);
    if (existing && existing.host === holder.host && !holderAlive(existing)) {
      rmSync(path, { force: true });
      continue;
    }
    throw lockedError(existing, path);
  }
  throw lockedError(readHolder(path), path);
}

export function lockedError(holder: LockHolder | undefined, where: string): LzError {
  return new LzError(
    'locked',
    `Another lz run holds the lock (${where}): ${holder ? describeHolder(holder) : 'holder unknown'}.`,
    { hint: 'Wait for it to finish. If it crashed, check `lz plan`, then release the lock with `lz unlock`.' },
  );
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return parseHolder(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's holder still runs. A pid that answers signal 0 is not enough: a process killed with
 * SIGKILL stays a zombie until its parent reaps it (and a whole killed process group may wait on init), and
 * a pid can be reused by another process. Where /proc exists (Linux), a zombie or dead process counts as
 * gone, and so does a pid whose start time is not the one the lock recorded.
 */
function holderAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(holder.pid);
  // Without /proc there is only signal 0 to go by; with it, a pid that has no entry has just gone.
  if (!stat) return !existsSync('/proc/self/stat');
  if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
  return holder.started === undefined || stat.started === holder.started;
}

/** State and start time (field 22, clock ticks since boot) from /proc/PID/stat; undefined without /proc. */
function procStat(pid: number): { state: string; started: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: the fields after its last ')' are fixed.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const started = Number(fields[19]);
  return fields[0] && Number.isFinite(started) ? { state: fields[0], started } : undefined;
}

/** `lz unlock`: removes the local lock; says whether there was one. */
export function breakLocalLock(workdir: string): LockHolder | undefined | false {
  const path = join(workdir, LOCAL_LOCK_FILE);
  if (!existsSync(path)) return false;
  const holder = readHolder(path);
  rmSync(path, { force: true });
  return holder;
}

/** The object a CI lock lives in, inside the bucket named by `organization.lock.bucket`. */
export const S3_LOCK_KEY = 'lz/apply.lock';

/** The S3 lock's calls (apply and `lz unlock`), on the lock object only. */
export const LOCK_PERMISSIONS: Permissions = {
  management: [{ access: 'write', actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], resource: 'arn:aws:s3:::{lockBucket}/lz/*' }],
};

/**
 * For CI, where every run is on a fresh machine: the lock is an S3 object created with a conditional write
 * (If-None-Match: *), which only one writer can win. It is released with If-Match on its own ETag, so a run
 * never deletes a lock someone else took after `lz unlock`. A crashed run's lock stays until `lz unlock`.
 */
export async function acquireS3Lock(s3: S3Client, bucket: string, holder: LockHolder): Promise<Lock> {
  const where = `s3://${bucket}/${S3_LOCK_KEY}`;
  let etag: string | undefined;
  try {
    const out = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: S3_LOCK_KEY, Body: `${JSON.stringify(holder, null, 2)}\n`, ContentType: 'application/json', IfNoneMatch: '*' }),
    );
    etag = out.ETag;
  } catch (err) {
    if (!isError(err, 'PreconditionFailed', 'ConditionalRequestConflict')) throw err;
    throw lockedError(await readS3Holder(s3, bucket), where);
  }
  return {
    release: async () => {
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: S3_LOCK_KEY, ...(etag ? { IfMatch: etag } : {}) }));
      } catch (err) {
        // Someone broke our lock and took it: theirs now, not ours to delete.
        if (!isError(err, 'PreconditionFailed', 'NoSuchKey')) throw err;
      }
    },
  };
}

async function readS3Holder(s3: S3Client, bucket: string): Promise<LockHolder | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: S3_LOCK_KEY }));
    return parseHolder((await out.Body?.transformToString()) ?? '');
  } catch {
    // Released between our write and this read, or unreadable: the refusal still stands, holder unknown.
    return undefined;
  }
}

/** `lz unlock` with a lock bucket: deletes the S3 lock whoever holds it; says who did. */
export async function breakS3Lock(s3: S3Client, bucket: string): Promise<LockHolder | undefined | false> {
  let holder: LockHolder | undefined;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: S3_LOCK_KEY }));
    holder = parseHolder((await out.Body?.transformToString()) ?? '');
  } catch (err) {
    if (isError(err, 'NoSuchKey')) return false;
    throw err;
  }
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: S3_LOCK_KEY }));
  return holder;
}
