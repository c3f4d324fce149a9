import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A manifest or a saved plan that is not a regular file (a FIFO nobody writes to, /dev/zero, /dev/urandom)
 * used to block forever or grow lz to gigabytes. The built CLI must refuse each at once, exit 1 and name
 * the path, without reading it and before anything talks to AWS.
 */
const bin = resolve('dist/cli/main.js');
let dir: string;
let fifo: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lz-special-'));
  fifo = join(dir, 'pipe.yaml');
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lz(...args: string[]) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 15_000,
    // Nothing may reach AWS: no credentials, and an endpoint nobody listens on.
    env: { PATH: process.env.PATH, HOME: dir, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' },
  });
  return { ...r, ms: Date.now() - started };
}

const inputs = (): [string, string, RegExp][] => [
  ['a FIFO', fifo, /is a FIFO \(named pipe\), not a regular file/],
  ['/dev/zero', '/dev/zero', /is a character device, not a regular file/],
  ['/dev/urandom', '/dev/urandom', /is a character device, not a regular file/],
];

describe('inputs that are not regular files', () => {
  for (const [what, , message] of inputs()) {
    for (const [label, args] of [
      ['as the manifest (-f)', (p: string) => ['validate', '-f', p]],
      ['as the manifest of plan', (p: string) => ['plan', '-f', p]],
      ['as the saved plan', (p: string) => ['apply', p]],
    ] as const) {
      it(`${what} ${label}: exits 1 at once, naming the path`, () => {
        const path = inputs().find(([w]) => w === what)![1];
        const r = lz(...args(path));
        expect(r.error, 'lz did not finish in time').toBeUndefined();
        expect(r.status).toBe(1);
        expect(r.ms).toBeLessThan(10_000);
        expect(r.stderr).toContain(path);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).toContain('hint:');
        expect(r.stderr).not.toContain('internal error');
        expect(r.stderr).not.toMatch(/credentials|Cannot reach AWS/i);
      });
    }
  }
});
