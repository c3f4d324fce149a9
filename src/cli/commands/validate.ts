import { LzErrors } from '../../errors.js';
import { loadManifest } from '../../manifest/index.js';
import { defaultSections } from '../../resources/registry.js';
import { renderSummary, summarize } from '../../manifest/summary.js';
import { EXIT_ERROR, EXIT_OK, reportFailure } from '../exit.js';
import type { CliIO } from '../io.js';

/** `lz validate`: load the manifest, print what it declares or every problem in it. Never touches AWS. */
export async function validateCommand(opts: { file: string; json?: boolean }, io: CliIO): Promise<number> {
  try {
    const loaded = await loadManifest(opts.file, defaultSections, { cwd: io.cwd });
    const summary = summarize(loaded, defaultSections);
    if (opts.json) {
      io.stdout(`${JSON.stringify({ valid: true, ...summary }, null, 2)}\n`);
    } else {
      io.stdout(renderSummary(summary));
    }
    return EXIT_OK;
  } catch (err) {
    if (opts.json && err instanceof LzErrors) {
      const errors = err.errors.map((e) => ({
        code: e.code,
        message: e.message,
        file: e.location?.file ?? opts.file,
        line: e.location?.line ?? null,
        col: e.location?.col ?? null,
        path: e.path ?? null,
        hint: e.hint ?? null,
      }));
      io.stdout(`${JSON.stringify({ valid: false, errors }, null, 2)}\n`);
      return EXIT_ERROR;
    }
    return reportFailure(io, err);
  }
}
