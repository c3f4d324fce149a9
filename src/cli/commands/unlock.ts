import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { breakLocalLock, breakS3Lock, describeHolder, type LockHolder } from '../../engine/lock.js';
import { loadManifest } from '../../manifest/index.js';
import { defaultSections } from '../../resources/registry.js';
import { EXIT_OK } from '../exit.js';
import type { CliIO } from '../io.js';
import { openSession, type AwsCliOptions } from '../session.js';

export interface UnlockCliOptions extends AwsCliOptions {
  file: string;
}

export async function unlockCommand(opts: UnlockCliOptions, io: CliIO): Promise<number> {
  const say = (where: string, holder: LockHolder | undefined | false) =>
    io.stdout(holder === false ? `No lock is held ${where}.\n` : `Released the lock ${where}${holder ? ` held by ${describeHolder(holder)}` : ''}.\n`);
  say('here', breakLocalLock(resolve(io.cwd, '.lz')));

  // The S3 lock needs the file's lock bucket; without a file there is only the local lock.
  if (!existsSync(resolve(io.cwd, opts.file))) return EXIT_OK;
  const manifest = await loadManifest(opts.file, defaultSections, { cwd: io.cwd });
  const bucket = manifest.manifest.organization.lock?.bucket;
  if (!bucket) return EXIT_OK;
  const session = await openSession(opts, { accessRole: manifest.accessRole, management: { name: manifest.management.name, email: manifest.management.email } }, io);
  try {
    say(`in s3://${bucket}`, await breakS3Lock(session.aws.management.s3, bucket));
  } finally {
    await session.close();
  }
  return EXIT_OK;
}
