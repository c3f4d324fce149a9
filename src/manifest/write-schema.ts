import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { manifestSchema } from './schema.js';

/**
 * docs/accounts.schema.json is generated from the zod schema so that editors (yaml-language-server) see
 * exactly the rules `lz validate` applies. `--check` is for CI: it fails when the committed file is stale.
 */

export const SCHEMA_ID = 'https://github.com/lz/lz/docs/accounts.schema.json';

export function generateJsonSchema(): string {
  // `io: 'input'` describes what a person writes: keys with defaults are optional and show their default.
  const schema = z.toJSONSchema(manifestSchema, { io: 'input', target: 'draft-2020-12', reused: 'ref' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export function defaultSchemaPath(): string {
  // dist/manifest/write-schema.js and src/manifest/write-schema.ts are both two levels below the repo root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'accounts.schema.json');
}

export interface Writer {
  write(text: string): unknown;
}

/** Returns an exit code; prints to the given streams. */
export async function main(argv: readonly string[], out: Writer = process.stdout, err: Writer = process.stderr): Promise<number> {
  const check = argv.includes('--check');
  const target = argv.find((a) => !a.startsWith('--')) ?? defaultSchemaPath();
  const wanted = generateJsonSchema();
  if (check) {
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === wanted) {
      out.write(`${target} is up to date.\n`);
      return 0;
    }
    err.write(`${target} is ${current === undefined ? 'missing' : 'out of date'}: it is not what src/manifest/schema.ts generates.\nRun \`npm run schema\` and commit the result.\n`);
    return 1;
  }
  await writeFile(target, wanted);
  out.write(`wrote ${target}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
