import * as z from 'zod';
import { buildManifestSchema } from './schema.js';
import type { ManifestSections } from './sections.js';

/**
 * docs/accounts.schema.json is generated from the zod schema (the frame and the registry's sections) so that
 * editors (yaml-language-server) see exactly the rules `lz validate` applies.
 */
export function generateJsonSchema(sections: ManifestSections): string {
  // `io: 'input'` describes what a person writes: keys with defaults are optional and show their default.
  const schema = z.toJSONSchema(buildManifestSchema(sections), { io: 'input', target: 'draft-2020-12', reused: 'ref' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
