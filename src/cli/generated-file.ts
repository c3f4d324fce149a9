import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file in docs/ that lz generates from its own source (the JSON Schema, the permission policies). */

export function docsPath(name: string): string {
  // dist/cli/*.js and src/cli/*.ts are both two levels below the repo root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', name);
}

export interface Writer {
  write(text: string): unknown;
}

/**
 * Writes `wanted` to `target`, or with `check` (CI) compares: exit code 1 and what to run when the committed
 * file is stale.
 */
export async function writeOrCheck(target: string, wanted: string, check: boolean, how: { source: string; command: string }, out: Writer, err: Writer): Promise<number> {
  if (check) {
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === wanted) {
      out.write(`${target} is up to date.\n`);
      return 0;
    }
    err.write(`${target} is ${current === undefined ? 'missing' : 'out of date'}: it is not what ${how.source} generate.\nRun \`${how.command}\` and commit the result.\n`);
    return 1;
  }
  await writeFile(target, wanted);
  out.write(`wrote ${target}\n`);
  return 0;
}
