import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { LzError } from '../../errors.js';
import { writeFileAtomic } from '../../files.js';
import { importOrganization } from '../../engine/import.js';
import { defaultRegistry } from '../../resources/registry.js';
import { EXIT_OK } from '../exit.js';
import type { CliIO } from '../io.js';
import { openSession, type AwsCliOptions } from '../session.js';

export interface ImportCliOptions extends AwsCliOptions {
  out?: string;
  force?: boolean;
  accessRole: string;
}

/**
 * `lz import`: reads the live organization (the caller's: lz runs as its management account) and writes
 * accounts.yaml for it, to stdout or --out FILE. Reads only.
 */
export async function importCommand(opts: ImportCliOptions, io: CliIO): Promise<number> {
  const out = opts.out ? resolve(io.cwd, opts.out) : undefined;
  if (out && existsSync(out) && !opts.force) {
    throw new LzError('import.exists', `${opts.out} exists; lz import does not overwrite it`, { hint: 'pass --force to replace it, or choose another --out file' });
  }
  // A fresh --sandbox looks like the sandbox's default organization; an existing state file is what it is.
  const session = await openSession(opts, { accessRole: opts.accessRole, management: { name: 'Management', email: 'management@sandbox.lz.local' } }, io);
  try {
    const result = await importOrganization(session.aws, defaultRegistry, { accessRole: opts.accessRole, file: opts.out ?? 'accounts.yaml' });
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    if (out) {
      writeFileAtomic(out, result.text);
      io.stderr(`Wrote ${result.manifest.accounts.length} accounts and ${result.manifest.units.length} units to ${opts.out}. Check it with: lz plan -f ${opts.out}\n`);
    } else io.stdout(result.text);
    return EXIT_OK;
  } finally {
    await session.close();
  }
}
