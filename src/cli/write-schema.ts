import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sectionsOf } from '../core/module.js';
import { generateJsonSchema } from '../manifest/json-schema.js';
import { defaultRegistry } from '../resources/registry.js';

/** `npm run schema` writes docs/accounts.schema.json; `--check` is for CI: it fails when the committed file is stale. */

export function defaultSchemaPath(): string {
  // dist/cli/write-schema.js and src/cli/write-schema.ts are both two levels below the repo root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'accounts.schema.json');
}

export interface Writer {
  write(text: string): unknown;
}

/** Returns an exit code; prints to the given streams. */
export async function main(argv: readonly string[], out: Writer = process.stdout, err: Writer = process.stderr): Promise<number> {
  const check = argv.includes('--check');
  const target = argv.find((a) => !a.startsWith('--')) ?? defaultSchemaPath();
  const wanted = generateJsonSchema(sectionsOf(defaultRegistry));
  if (check) {
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === wanted) {
      out.write(`${target} is up to date.\n`);
      return 0;
    }
    err.write(`${target} is ${current === undefined ? 'missing' : 'out of date'}: it is not what the manifest schema and the resource modules' sections generate.\nRun \`npm run schema\` and commit the result.\n`);
    return 1;
  }
  await writeFile(target, wanted);
  out.write(`wrote ${target}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
