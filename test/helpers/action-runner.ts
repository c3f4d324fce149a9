import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { FakeGithub } from './fake-github.js';

/**
 * Runs the repository's composite action (action.yml) the way GitHub's runner does: its steps in order, each
 * `run:` with `bash --noprofile --norc -eo pipefail` in the job's environment (GITHUB_ENV from earlier steps,
 * the step's `env:`), `${{ }}` expressions filled in, `if:` evaluated, and a failed step ending the job. The
 * `uses:` steps are simulated: setup-node does nothing (Node runs the tests), upload-artifact and
 * download-artifact copy folders to and from an artifact store the fake GitHub API lists.
 */

export const ACTION_PATH = resolve(import.meta.dirname, '..', '..');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}

export interface RunOptions {
  event: 'pull_request' | 'push' | 'schedule';
  payload: Record<string, unknown>;
  /** GITHUB_SHA */
  sha: string;
  inputs: Record<string, string>;
  /** The checkout (GITHUB_WORKSPACE). */
  workspace: string;
  runId: number;
  /** Variables a job adds (AWS_ENDPOINT_URL for the sandbox). */
  env?: Record<string, string>;
}

export interface RunResult {
  ok: boolean;
  /** Step names in the order they ran, with their exit codes. */
  steps: { name: string; code: number }[];
  outputs: Record<string, Record<string, string>>;
  log: string;
  summary: string;
}

function parseKeyValues(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

function exec(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => done({ code: code ?? 1, out }));
  });
}

export class ActionRunner {
  private readonly action = parse(readFileSync(join(ACTION_PATH, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string; required?: boolean }>;
    runs: { using: string; steps: Step[] };
  };
  /** The artifact store: name → folder (the fake API lists what it holds). */
  private readonly store = mkdtempSync(join(tmpdir(), 'lz-artifacts-'));
  private nextArtifact = 1;

  constructor(
    private readonly github: FakeGithub,
    private readonly repository: string,
  ) {}

  async run(opts: RunOptions): Promise<RunResult> {
    const temp = mkdtempSync(join(tmpdir(), 'lz-runner-'));
    const eventPath = join(temp, 'event.json');
    writeFileSync(eventPath, JSON.stringify(opts.payload));
    const summaryFile = join(temp, 'step-summary.md');
    writeFileSync(summaryFile, '');
    const inputs: Record<string, string> = {};
    for (const [name, spec] of Object.entries(this.action.inputs)) {
      const given = opts.inputs[name];
      if (given === undefined && spec.required) throw new Error(`input ${name} is required`);
      inputs[name] = given ?? (spec.default === '${{ github.token }}' ? this.github.apiToken : (spec.default ?? ''));
    }
    // A runner's environment: nothing of the test process's AWS settings leaks in.
    const jobEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION_PATH: ACTION_PATH,
      GITHUB_WORKSPACE: opts.workspace,
      GITHUB_EVENT_NAME: opts.event,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: this.repository,
      GITHUB_SHA: opts.sha,
      GITHUB_RUN_ID: String(opts.runId),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_API_URL: this.github.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: temp,
      ACTIONS_ID_TOKEN_REQUEST_URL: this.github.idTokenUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: this.github.idTokenRequestToken,
      ...opts.env,
    };
    const outputs: Record<string, Record<string, string>> = {};
    const ctx = { inputs, steps: outputs, temp };
    const result: RunResult = { ok: true, steps: [], outputs, log: '', summary: '' };
    let n = 0;
    for (const step of this.action.runs.steps) {
      if (step.if && !this.condition(step.if, ctx)) continue;
      const name = step.name ?? step.uses ?? 'step';
      const outFile = join(temp, `output-${n}`);
      const envFile = join(temp, `env-${n++}`);
      writeFileSync(outFile, '');
      writeFileSync(envFile, '');
      let code = 0;
      if (step.uses) code = this.uses(step, ctx, opts.runId, (line) => (result.log += line));
      else {
        const env: Record<string, string> = { ...jobEnv, GITHUB_OUTPUT: outFile, GITHUB_ENV: envFile };
        for (const [k, v] of Object.entries(step.env ?? {})) env[k] = this.expand(v, ctx);
        const cwd = resolve(opts.workspace, this.expand(step['working-directory'] ?? '.', ctx));
        const r = await exec(this.expand(step.run!, ctx), cwd, env);
        code = r.code;
        result.log += `## ${name}\n${r.out}\n`;
      }
      result.steps.push({ name, code });
      if (step.id) outputs[step.id] = parseKeyValues(outFile);
      Object.assign(jobEnv, parseKeyValues(envFile));
      if (code !== 0) {
        result.ok = false;
        break;
      }
    }
    result.summary = readFileSync(summaryFile, 'utf8');
    rmSync(temp, { recursive: true, force: true });
    return result;
  }

  /** `${{ inputs.x }}`, `${{ steps.id.outputs.x }}`, `${{ runner.temp }}`: the expressions action.yml uses. */
  private value(expr: string, ctx: { inputs: Record<string, string>; steps: Record<string, Record<string, string>>; temp: string }): string {
    const e = expr.trim();
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(e))) return ctx.inputs[m[1]!] ?? '';
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e))) return ctx.steps[m[1]!]?.[m[2]!] ?? '';
    if (e === 'runner.temp') return ctx.temp;
    if ((m = /^'([^']*)'$/.exec(e))) return m[1]!;
    throw new Error(`the action runner does not know the expression ${e}`);
  }

  private expand(text: string, ctx: Parameters<ActionRunner['value']>[1]): string {
    return text.replace(/\$\{\{(.+?)\}\}/g, (_, e: string) => this.value(e, ctx));
  }

  /** `a == 'b' && c == 'd'`: the conditions action.yml uses. */
  private condition(expr: string, ctx: Parameters<ActionRunner['value']>[1]): boolean {
    return expr.split('&&').every((part) => {
      const [left, right] = part.split('==');
      if (right === undefined) throw new Error(`the action runner does not know the condition ${part}`);
      return this.value(left!, ctx) === this.value(right, ctx);
    });
  }

  private uses(step: Step, ctx: Parameters<ActionRunner['value']>[1], runId: number, log: (line: string) => void): number {
    const w = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, this.expand(String(v), ctx)]));
    const action = step.uses!.replace(/@.*$/, '');
    if (action === 'actions/setup-node') return 0;
    if (action === 'actions/upload-artifact') {
      const dir = join(this.store, w.name!);
      rmSync(dir, { recursive: true, force: true });
      cpSync(w.path!, dir, { recursive: true });
      this.github.artifacts = this.github.artifacts.filter((a) => a.name !== w.name);
      this.github.artifacts.push({ id: this.nextArtifact++, name: w.name!, runId, createdAt: new Date().toISOString() });
      return 0;
    }
    if (action === 'actions/download-artifact') {
      const artifact = this.github.artifacts.find((a) => a.name === w.name && String(a.runId) === w['run-id']);
      if (!artifact || w['github-token'] !== this.github.apiToken) {
        log(`## download-artifact\nUnable to download artifact ${w.name} from run ${w['run-id']}\n`);
        return 1;
      }
      cpSync(join(this.store, w.name!), w.path!, { recursive: true });
      return 0;
    }
    throw new Error(`the action runner cannot simulate ${step.uses}`);
  }
}
