import { tmpdir } from 'node:os';
import { LzErrors, type LzError } from '../../src/errors.js';
import { parseManifest } from '../../src/manifest/index.js';
import { defaultSections } from '../../src/resources/registry.js';

/** What `lz validate` says about `text` (none when it passes); files it names are read relative to `dir`. */
export function manifestErrors(text: string, dir = tmpdir()): readonly LzError[] {
  try {
    parseManifest(text, 'accounts.yaml', defaultSections, { dir });
  } catch (err) {
    if (err instanceof LzErrors) return err.errors;
    throw err;
  }
  return [];
}

/** The 1-based line of the first line of `text` containing `needle`. */
export const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
