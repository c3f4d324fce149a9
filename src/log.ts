import { pino, type Logger } from 'pino';

/**
 * Structured logs go to stderr (or a file); human output goes to stdout. Credential fields are redacted
 * wherever they appear, so a careless `log.debug({ credentials })` cannot leak a secret.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'Password',
  '*.Password',
  'secretAccessKey',
  '*.secretAccessKey',
  '*.*.secretAccessKey',
  'SecretAccessKey',
  '*.SecretAccessKey',
  '*.*.SecretAccessKey',
  'sessionToken',
  '*.sessionToken',
  '*.*.sessionToken',
  'SessionToken',
  '*.SessionToken',
  '*.*.SessionToken',
  'credentials',
  '*.credentials',
  'Credentials',
  '*.Credentials',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(options: { level?: string; destination?: string | number } = {}): Logger {
  return pino(
    {
      name: 'lz',
      level: options.level ?? 'warn',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    pino.destination({ dest: options.destination ?? 2, sync: true, mkdir: true }),
  );
}

export type { Logger };
