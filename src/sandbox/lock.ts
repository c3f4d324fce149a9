import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * One writer per state file. Each sandbox over a state file rewrites the whole file after every write, so two
 * processes over one file would lose each other's writes: the second is refused while the first lives.
 *
 * The lock is `<state file>.lock`, created exclusively, holding the holder's pid, its start time (Linux
 * /proc: a pid reused by another process is not mistaken for the holder), what it is and where it serves.
 * A lock whose holder is gone (killed, crashed) is taken over. Sandboxes of one process share its lock
 * (tests open a state file twice in one process, one after the other or side by side).
 */
export interface LockHolder {
  pid: number;
  /** Field 22 of /proc/PID/stat; absent where there is no /proc. */
  startTime?: string;
  host: string;
  /** What holds it: 'lz sandbox serve', 'lz plan --sandbox', ... */
  owner: string;
  /** Where its sandbox serves, once it does. */
  endpoint?: string;
}

export class StateFileLockedError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    super(`the sandbox state ${file} is in use by ${holder.owner} (pid ${holder.pid}${holder.endpoint ? `, serving on ${holder.endpoint}` : ''})`);
    this.name = 'StateFileLockedError';
  }
}

export interface StateFileLock {
  /** Records where the sandbox serves, for the error another process gets. */
  setEndpoint(endpoint: string): void;
  release(): void;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const startTime = startTimeOf(holder.pid);
  return holder.startTime === undefined || startTime === undefined || startTime === holder.startTime;
}

function readHolder(lockFile: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(lockFile, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Locks held by this process: lock file → how many sandboxes share it. */
const held = new Map<string, { holder: LockHolder; count: number }>();
let exitHook = false;

function write(lockFile: string, holder: LockHolder, exclusive: boolean): void {
  if (!exclusive) return writeFileSync(lockFile, JSON.stringify(holder), { mode: 0o600 });
  const fd = openSync(lockFile, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
}

export function lockStateFile(file: string, owner: string): StateFileLock {
  const lockFile = `${file}.lock`;
  let mine = held.get(lockFile);
  if (!mine) {
    const holder: LockHolder = { pid: process.pid, host: hostname(), owner, ...(startTimeOf(process.pid) !== undefined ? { startTime: startTimeOf(process.pid) } : {}) };
    for (let attempt = 0; ; attempt++) {
      try {
        write(lockFile, holder, true);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
      }
      const other = readHolder(lockFile);
      if (!other) {
        // Being written by its creator this very moment, or left half-written: wait for a second of age.
        let age = 0;
        try {
          age = Date.now() - statSync(lockFile).mtimeMs;
        } catch {
          continue;
        }
        if (age < 1000) throw new StateFileLockedError(file, { pid: 0, host: hostname(), owner: 'another process starting a sandbox' });
      } else if (other.pid !== process.pid && alive(other)) {
        throw new StateFileLockedError(file, other);
      }
      // The holder is gone (or was this process, before a crash of its sandbox): take the lock over.
      rmSync(lockFile, { force: true });
    }
    mine = { holder, count: 0 };
    held.set(lockFile, mine);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const f of held.keys()) rmSync(f, { force: true });
      });
    }
  }
  mine.count++;
  const entry = mine;
  let released = false;
  return {
    setEndpoint: (endpoint) => {
      if (entry.holder.endpoint) return;
      entry.holder.endpoint = endpoint;
      write(lockFile, entry.holder, false);
    },
    release: () => {
      if (released) return;
      released = true;
      if (--entry.count > 0) return;
      held.delete(lockFile);
      if (readHolder(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
    },
  };
}
