import { createHash, randomInt } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Secrets lz makes (initial console passwords) are shown to the person once: written to a file under
 * `.lz/secrets/` that only the owner can read, and never logged, printed, planned or put in --json.
 */

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
/** Symbols IAM's password policy counts as symbols (no quote, so the password pastes anywhere). */
const SYMBOLS = '!@#$%^&*()_+-=[]{}|';
const ALL = UPPER + LOWER + DIGITS + SYMBOLS;

/** The least length lz generates, whatever the policy allows. */
export const MIN_GENERATED_LENGTH = 20;
/** IAM's longest password. */
const MAX_LENGTH = 128;

/** How long a generated password is for an account: max(policy minimum, 20), AWS's default policy otherwise. */
export function passwordLength(policy: { minimumLength: number } | undefined): number {
  return Math.min(MAX_LENGTH, Math.max(policy?.minimumLength ?? 8, MIN_GENERATED_LENGTH));
}

/**
 * A password from the CSPRNG (node:crypto randomInt) with at least one character of every class IAM knows,
 * so it satisfies any password policy whose minimum length is at most `length`, and AWS's default one.
 */
export function generatePassword(length: number): string {
  if (!Number.isInteger(length) || length < 4 || length > MAX_LENGTH) throw new Error(`password length must be 4-${MAX_LENGTH}`);
  const pick = (set: string) => set[randomInt(set.length)]!;
  const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(ALL));
  // Fisher-Yates, so the guaranteed classes are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** A path segment from a name (which may hold spaces, slashes, ...): never empty, never `.` or `..`. */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._+=,@-]/g, '_').replace(/^\.+/, '_');
  return s === '' ? '_' : s;
}

/**
 * The folder of one account's secrets: its name made safe, then the first 8 hex digits of the SHA-256 of the
 * exact name, e.g. `Dev_Ops-3f0c9a1e`. The readable part alone is not unique (`Dev Ops` and `Dev_Ops` both
 * give `Dev_Ops`, and one account's initial password overwrote the other's); the hash makes the folder
 * differ whenever the names do, and it is the same on every run. Folders written before this scheme
 * (`.lz/secrets/Dev_Ops/`) are left where they are: lz never reads them back.
 */
export function accountFolder(account: string): string {
  return `${safeSegment(account)}-${createHash('sha256').update(account, 'utf8').digest('hex').slice(0, 8)}`;
}

/** A user's file name: IAM user names (letters, digits, + = , . @ _ -) are kept as they are, so distinct names stay distinct. */
const userFile = (user: string): string => `${user.replace(/[^A-Za-z0-9._+=,@-]/g, '_') || '_'}.txt`;

/** Where the initial password of `user` in `account` is written: `<workdir>/secrets/<account>-<hash>/<user>.txt`. */
export function secretFile(workdir: string, account: string, user: string): string {
  return join(workdir, 'secrets', accountFolder(account), userFile(user));
}

/** The path as shown to a person: relative to the directory that holds `.lz/`, e.g. `.lz/secrets/Dev-1a2b3c4d/IAMADMIN.txt`. */
export function displaySecretFile(account: string, user: string): string {
  return join('.lz', 'secrets', accountFolder(account), userFile(user));
}

/** Makes each directory from `<workdir>/secrets` down to `dir` exist with mode 0700. */
function privateDirs(workdir: string, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const rel = relative(workdir, dir).split(/[\\/]/).filter(Boolean);
  let cur = workdir;
  for (const seg of rel) {
    cur = join(cur, seg);
    chmodSync(cur, 0o700);
  }
}

/**
 * A secret written in two steps around the call that makes it real: `stage()` writes it to a pending file
 * (mode 0600) before the call, `commit()` renames it into place after the call succeeded, `discard()`
 * removes it when the call failed. A crash right after the call leaves the pending file, which still holds
 * the right value.
 */
export interface StagedSecret {
  path: string;
  commit(): void;
  discard(): void;
}

export function stageSecret(workdir: string, path: string, content: string): StagedSecret {
  privateDirs(workdir, dirname(path));
  const pending = `${path}.pending`;
  rmSync(pending, { force: true });
  const fd = openSync(pending, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(pending, 0o600);
  return {
    path,
    commit: () => {
      renameSync(pending, path);
      chmodSync(path, 0o600);
    },
    discard: () => rmSync(pending, { force: true }),
  };
}

/**
 * The pending files a run left (it stopped between staging a password and confirming the call), as shown to
 * a person: `.lz/secrets/<account>-<hash>/<user>.txt.pending`, sorted. Plan and apply list them until someone
 * renames or deletes them.
 */
export function findPendingSecrets(workdir: string): string[] {
  const root = join(workdir, 'secrets');
  const list = (dir: string) => {
    try {
      return readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  const found: string[] = [];
  for (const account of list(root).filter((d) => d.isDirectory())) {
    for (const file of list(join(root, account.name))) {
      if (file.isFile() && file.name.endsWith('.pending')) found.push(join('.lz', 'secrets', account.name, file.name));
    }
  }
  return found.sort();
}
