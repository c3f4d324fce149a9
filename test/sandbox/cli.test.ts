import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateUserCommand, GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { sandboxServeCommand } from '../../src/cli/commands/sandbox.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

/** Starts `lz sandbox serve` in-process and waits for the export line. */
async function serve(dir: string, args: { port?: string; faults?: string } = {}) {
  const io = bufferIO({ cwd: dir });
  const stop = new AbortController();
  const done = sandboxServeCommand({ port: '0', ...args }, io, stop.signal);
  for (let i = 0; i < 200 && !io.out().includes('export'); i++) await new Promise((r) => setTimeout(r, 10));
  const m = /export AWS_ENDPOINT_URL=(\S+) AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+) AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1\n/.exec(io.out());
  if (!m) throw new Error(`no export line in: ${io.out()} ${io.err()}`);
  const client = new IAMClient({ endpoint: m[1], region: 'us-east-1', credentials: { accessKeyId: m[2]!, secretAccessKey: m[3]! }, maxAttempts: 1 });
  return {
    endpoint: m[1]!,
    client,
    stop: async () => {
      client.destroy();
      stop.abort();
      return done;
    },
  };
}

describe('lz sandbox serve / reset', () => {
  it('serves on 127.0.0.1, prints the environment, keeps state across runs, and reset empties it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-cli-'));
    const first = await serve(dir);
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await first.client.send(new CreateUserCommand({ UserName: 'from-first-run' }));
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(dir, '.lz', 'sandbox.json'))).toBe(true);

    const second = await serve(dir);
    expect((await second.client.send(new GetUserCommand({ UserName: 'from-first-run' }))).User!.UserName).toBe('from-first-run');
    await second.stop();

    const io = bufferIO({ cwd: dir });
    expect(await runCli(['sandbox', 'reset'], io)).toBe(0);
    expect(io.out()).toContain('Removed');
    expect(existsSync(join(dir, '.lz', 'sandbox.json'))).toBe(false);

    const third = await serve(dir);
    await expect(third.client.send(new GetUserCommand({ UserName: 'from-first-run' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    await third.stop();
  });

  it('refuses a malformed --faults spec with a hint', async () => {
    const io = bufferIO({ cwd: mkdtempSync(join(tmpdir(), 'lz-cli-')) });
    expect(await runCli(['sandbox', 'serve', '--port', '0', '--faults', 'errors=lots'], io)).toBe(1);
    expect(io.err()).toContain('--faults');
    expect(io.err()).toContain('hint:');
  });
});
