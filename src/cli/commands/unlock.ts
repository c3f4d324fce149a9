import { resolve } from 'node:path';
import { breakLocalLock, describeHolder } from '../../engine/lock.js';
import { EXIT_OK } from '../exit.js';
import type { CliIO } from '../io.js';

export async function unlockCommand(io: CliIO): Promise<number> {
  const holder = breakLocalLock(resolve(io.cwd, '.lz'));
  if (holder === false) io.stdout('No lock is held here.\n');
  else io.stdout(`Released the lock${holder ? ` held by ${describeHolder(holder)}` : ''}.\n`);
  return EXIT_OK;
}
