import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sectionsOf } from '../core/module.js';
import { generateJsonSchema } from '../manifest/json-schema.js';
import { defaultRegistry } from '../resources/registry.js';
import { docsPath, writeOrCheck, type Writer } from './generated-file.js';

/** `npm run schema` writes docs/accounts.schema.json; `--check` is for CI: it fails when the committed file is stale. */

/** Returns an exit code; prints to the given streams. */
export function main(argv: readonly string[], out: Writer = process.stdout, err: Writer = process.stderr): Promise<number> {
  const target = argv.find((a) => !a.startsWith('--')) ?? docsPath('accounts.schema.json');
  const wanted = generateJsonSchema(sectionsOf(defaultRegistry));
  return writeOrCheck(target, wanted, argv.includes('--check'), { source: "the manifest schema and the resource modules' sections", command: 'npm run schema' }, out, err);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
