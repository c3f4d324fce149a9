import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { startSandbox, StateFileLockedError } from '../../src/sandbox/index.js';
import { iamClient } from './clients.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(REPO, 'dist', 'cli', 'main.js');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** `lz sandbox serve` in a child process; resolves with its export line once it serves. */
function serveInChild(dir: string, state: string): Promise<{ child: ChildProcess; endpoint: string; accessKeyId: string; secretAccessKey: string }> {
  const child = spawn(process.execPath, [MAIN, 'sandbox', 'serve', '--port', '0', '--state', state], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no export line: ${out}${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /AWS_ENDPOINT_URL=(\S+) AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ child, endpoint: m[1]!, accessKeyId: m[2]!, secretAccessKey: m[3]! });
      }
    });
    child.on('exit', (code) => fail(new Error(`lz sandbox serve exited ${code}: ${out}${err}`)));
  });
}

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lz-state-'));
  copyFileSync(join(REPO, 'accounts.yaml'), join(dir, 'accounts.yaml'));
  return dir;
}

async function lz(dir: string, ...args: string[]) {
  const io = bufferIO({ cwd: dir, env: {} });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('the sandbox state file', () => {
  it('is written 0600, as is a file an older sandbox left readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-state-'));
    const file = join(dir, 'nested', 'sandbox.json');
    const sb = await startSandbox({ stateFile: file });
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(file)).mode & 0o077).toBe(0);
      await iamClient(sb).send(new CreateUserCommand({ UserName: 'after-a-write' }));
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await sb.close();
    }
    chmodSync(file, 0o644);
    const again = await startSandbox({ stateFile: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await again.close();
  });

  it('is one process\'s at a time: --sandbox is refused while `lz sandbox serve` runs over it, naming the process', async () => {
    const dir = workdir();
    const served = await serveInChild(dir, '.lz/sandbox.json');
    const plan = await lz(dir, 'plan', '--sandbox');
    expect(plan.code).toBe(1);
    expect(plan.err).toContain(`in use by lz sandbox serve (pid ${served.child.pid}, serving on ${served.endpoint})`);
    expect(plan.err).toContain(`kill ${served.child.pid}`);
    expect(plan.err).toContain(`AWS_ENDPOINT_URL=${served.endpoint}`);
    // The served sandbox's writes are the file's: nothing of the refused run was written over them.
    const iam = new IAMClient({ endpoint: served.endpoint, region: 'us-east-1', credentials: { accessKeyId: served.accessKeyId, secretAccessKey: served.secretAccessKey }, maxAttempts: 1 });
    await iam.send(new CreateUserCommand({ UserName: 'served' }));
    iam.destroy();
    const saved = JSON.parse(readFileSync(join(dir, '.lz', 'sandbox.json'), 'utf8'));
    expect(Object.keys(saved.accounts[saved.managementAccountId].iam.users)).toContain('served');
    const reset = await lz(dir, 'sandbox', 'reset');
    expect(reset.code).toBe(1);
    expect(existsSync(join(dir, '.lz', 'sandbox.json'))).toBe(true);
  }, 60_000);

  it('is refused to `lz sandbox serve` while a sandbox of another process holds it, and taken over once that process died', async () => {
    const dir = workdir();
    const file = join(dir, '.lz', 'sandbox.json');
    const first = await serveInChild(dir, file);
    const second = spawn(process.execPath, [MAIN, 'sandbox', 'serve', '--port', '0', '--state', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(second);
    let err = '';
    second.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => second.on('exit', r));
    expect(code).toBe(1);
    expect(err).toContain(`pid ${first.child.pid}`);

    // Killed outright, the holder leaves its lock behind: the next sandbox sees the process is gone.
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.on('exit', r));
    expect(existsSync(`${file}.lock`)).toBe(true);
    const sb = await startSandbox({ stateFile: file });
    expect(() => JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).not.toThrow();
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
    await sb.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 60_000);

  it('is shared by the sandboxes of one process, and refused to another with an error naming the holder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-state-'));
    const file = join(dir, 'sandbox.json');
    const a = await startSandbox({ stateFile: file, owner: 'test A' });
    const b = await startSandbox({ stateFile: file });
    await iamClient(a).send(new CreateUserCommand({ UserName: 'from-a' }));
    await b.close();
    expect(existsSync(`${file}.lock`)).toBe(true);
    const holder = JSON.parse(readFileSync(`${file}.lock`, 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, owner: 'test A', endpoint: a.endpoint });
    // Another live process: this test's parent stands in for one, as the lock records it.
    writeFileSync(`${file}.lock`, JSON.stringify({ ...holder, pid: process.ppid, startTime: undefined, owner: 'lz sandbox serve' }));
    await a.close();
    const e = await startSandbox({ stateFile: file }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateFileLockedError);
    expect((e as Error).message).toBe(`the sandbox state ${file} is in use by lz sandbox serve (pid ${process.ppid}, serving on ${a.endpoint})`);
  });
});

describe('--sandbox PATH', () => {
  it('with no file there is an error, not a fresh organization; the default path is still created', async () => {
    const dir = workdir();
    const typo = await lz(dir, 'plan', '--sandbox', 'sandbx.json');
    expect(typo.code).toBe(1);
    expect(typo.err).toContain(`there is no sandbox state at ${join(dir, 'sandbx.json')}`);
    expect(typo.err).toContain('hint:');
    expect(existsSync(join(dir, 'sandbx.json'))).toBe(false);

    const fresh = await lz(dir, 'plan', '--sandbox');
    expect(fresh.code, fresh.err).toBe(0);
    expect(existsSync(join(dir, '.lz', 'sandbox.json'))).toBe(true);
    const named = await lz(dir, 'plan', '--sandbox', '.lz/sandbox.json');
    expect(named.code, named.err).toBe(0);
  }, 60_000);
});
