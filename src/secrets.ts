import { randomInt } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
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

/** A path segment from an account name (which may hold spaces, slashes, ...). */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._+=,@-]/g, '_').replace(/^\.+/, '_');
  return s === '' ? '_' : s;
}

/** Where the initial password of `user` in `account` is written: `<workdir>/secrets/<account>/<user>.txt`. */
export function secretFile(workdir: string, account: string, user: string): string {
  return join(workdir, 'secrets', safeSegment(account), `${safeSegment(user)}.txt`);
}

/** The path as shown to a person: relative to the directory that holds `.lz/`, e.g. `.lz/secrets/Dev/IAMADMIN.txt`. */
export function displaySecretFile(account: string, user: string): string {
  return join('.lz', 'secrets', safeSegment(account), `${safeSegment(user)}.txt`);
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
