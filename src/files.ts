import { closeSync, constants as fsConstants, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { LzError } from './errors.js';

/**
 * Writes a file so that a reader (or a crash) sees either the old content or the new, never half:
 * write a temporary file beside it, flush it, rename it over the old one. The mode is filtered by the umask,
 * as for any file a tool writes (plans, reports and logs hold no secret); the journal passes 0600.
 * A directory lz cannot write is an LzError naming the path, not a crash.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o666): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, data, { mode });
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw cannotWrite(path, err);
  }
}

/** An fs error while writing `path`, as the person reads it: the path, the reason, what to do. */
export function cannotWrite(path: string, err: unknown): LzError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'EROFS' ? 'read-only file system' : e.code === 'ENOSPC' ? 'no space left on the device' : (e.message ?? String(err));
  return new LzError('cannot-write', `cannot write ${path}: ${why}`, {
    hint: 'make the directory writable by this user (or run lz where it can write), then run the command again',
    cause: err,
  });
}

/**
 * Makes lz's working directory (`.lz/`: lock, journal, secrets, sandbox state) exist, created 0700 since
 * it holds initial passwords, and checks that lz can write there before anything else happens: a read-only
 * or foreign `.lz` is a clear error naming it, not a stack trace halfway through an apply.
 */
export function ensureWorkdir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    // Creating a file is the only test that holds for root, read-only mounts and ACLs alike (access(2) is not).
    const probe = join(dir, `.lz-write-check.${process.pid}`);
    closeSync(openSync(probe, 'wx', 0o600));
    rmSync(probe);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'EROFS' ? 'read-only file system' : e.code === 'ENOTDIR' || e.code === 'EEXIST' ? 'it (or a parent) is not a directory' : (e.message ?? String(err));
    throw new LzError('workdir-unusable', `cannot use lz's working directory ${dir}: ${why}`, {
      hint: 'lz keeps its lock, journal and secrets there; make it a directory this user can write (chmod u+rwx), or run lz from a directory where it can create .lz/',
      cause: err,
    });
  }
}

/** What a bounded read says when it refuses a file. */
export interface BoundedRead {
  /** The path as the person wrote it. */
  shownAs: string;
  /** What the file was meant to be, for messages: "the manifest", "the saved plan". */
  what: string;
  /** Error codes are `<code>.not-found`, `<code>.is-directory`, `<code>.not-regular`, `<code>.too-large`, `<code>.unreadable`. */
  code: string;
  maxBytes: number;
  /** What to do instead (e.g. "pass the manifest with -f FILE"). */
  hint: string;
}

/**
 * Reads a file lz was pointed at (the manifest, a saved plan) with every check that must come before a byte
 * is read: it must be a regular file (a FIFO would block forever, /dev/zero and /dev/urandom never end), at
 * most `maxBytes` long. It is opened without blocking and checked on the open descriptor (so a path swapped
 * after the check is refused too), and never read past `maxBytes`. Throws one LzError naming the path.
 */
export function readBoundedFile(path: string, opts: BoundedRead): Buffer {
  const { shownAs, what, code, maxBytes, hint } = opts;
  const permissionsHint = 'check the path and its permissions';
  const tooLarge = (size: string) =>
    new LzError(`${code}.too-large`, `${shownAs} is ${size}; the limit is ${maxBytes} bytes (${formatBytes(maxBytes)})`, { hint });
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' || errno === 'ENOTDIR') throw new LzError(`${code}.not-found`, `${shownAs} does not exist`, { hint });
    if (errno === 'EISDIR') throw new LzError(`${code}.is-directory`, `${shownAs} is a directory, not a file`, { hint });
    throw new LzError(`${code}.unreadable`, `cannot read ${what} ${shownAs}: ${errno === 'EACCES' ? 'permission denied' : (err as Error).message}`, { hint: permissionsHint });
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) throw new LzError(`${code}.is-directory`, `${shownAs} is a directory, not a file`, { hint });
    if (!info.isFile()) {
      throw new LzError(`${code}.not-regular`, `${shownAs} is ${kindOf(info)}, not a regular file; lz reads ${what} only from a regular file`, { hint });
    }
    if (info.size > maxBytes) throw tooLarge(`${info.size} bytes`);
    // One byte more than the limit, so that a file that grew since fstat is refused rather than cut short.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let filled = 0;
    let n: number;
    do {
      n = readSync(fd, buffer, filled, buffer.length - filled, null);
      filled += n;
    } while (n > 0 && filled < buffer.length);
    if (filled === buffer.length) throw filled > maxBytes ? tooLarge(`more than ${maxBytes} bytes`) : new LzError(`${code}.unreadable`, `${shownAs} grew while lz read it`, { hint: 'run lz again once nothing writes to it' });
    return buffer.subarray(0, filled);
  } catch (err) {
    if (err instanceof LzError) throw err;
    throw new LzError(`${code}.unreadable`, `cannot read ${what} ${shownAs}: ${(err as Error).message}`, { hint: permissionsHint });
  } finally {
    closeSync(fd);
  }
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'a special file';
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
