import { LzError } from '../errors.js';

/**
 * `--format` and its alias `--json`, one rule for the commands that take both (plan, drift): `--json` is
 * `--format json`, and giving it with a format other than json or the default (text) is a mistake, not a choice.
 */
export function chosenFormat<F extends string>(opts: { format?: string; json?: boolean }, formats: readonly F[]): F {
  const format = opts.format ?? 'text';
  if (opts.json && format !== 'text' && format !== 'json') {
    throw new LzError('bad-option', `--json is --format json; it cannot be combined with --format ${format}.`, { hint: 'Give one of them.' });
  }
  const value = opts.json ? 'json' : format;
  if (!(formats as readonly string[]).includes(value)) {
    throw new LzError('bad-option', `--format must be one of ${formats.join(', ')}, not "${value}"`);
  }
  return value as F;
}
