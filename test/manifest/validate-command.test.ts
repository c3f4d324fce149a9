import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

async function run(args: string[]) {
  const io = bufferIO();
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('lz validate', () => {
  it('summarises the repository accounts.yaml: accounts per unit with their baseline', async () => {
    const r = await run(['validate']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('accounts.yaml: valid. 4 accounts, 4 OUs, management account General.');
    expect(r.out).toMatch(/^\(root\) +General +management iamAdmin mfa password-policy alias s3-block-public-access budget\(100 USD\) contacts billing-access$/m);
    expect(r.out).toMatch(/^Workloads\/NonProd +Development +iamAdmin mfa password-policy alias s3-block-public-access budget\(100 USD\)/m);
    expect(r.out).toMatch(/^Workloads\/NonProd +Testing /m);
    expect(r.out).toMatch(/^Workloads\/Prod +Production +iamAdmin mfa password-policy alias s3-block-public-access budget\(1000 USD\) contacts/m);
    expect(r.out).toContain('OUs without accounts: Teams');
  });

  it('--json prints the resolved accounts', async () => {
    const r = await run(['validate', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.valid).toBe(true);
    expect(json.units).toEqual(['Teams', 'Workloads', 'Workloads/NonProd', 'Workloads/Prod']);
    expect(json.accounts.map((a: { name: string; email: string; unit: string | null }) => [a.name, a.email, a.unit])).toEqual([
      ['General', 'aws+general@example.com', null],
      ['Development', 'aws+development@example.com', 'Workloads/NonProd'],
      ['Testing', 'aws+testing@example.com', 'Workloads/NonProd'],
      ['Production', 'aws+production@example.com', 'Workloads/Prod'],
    ]);
    const prod = json.accounts[3].account;
    expect(prod.tags).toEqual({ owner: 'platform', env: 'prod' });
    expect(prod.budget).toMatchObject({ name: 'monthly-cost', amount: 1000 });
    expect(prod.passwordPolicy.maxPasswordAge).toBe(90);
  });

  it('--json prints every error with its position and exits 1', async () => {
    const r = await run(['validate', '--json', '-f', 'test/fixtures/bad/password-length-5.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    const json = JSON.parse(r.out);
    expect(json.valid).toBe(false);
    expect(json.errors).toEqual([
      {
        code: 'manifest.invalid',
        message: "minimumLength 5 must be between 6 and 128 (IAM's MinimumPasswordLength range)",
        file: 'test/fixtures/bad/password-length-5.yaml',
        line: 8,
        col: 20,
        path: 'defaults.passwordPolicy.minimumLength',
        hint: 'use a whole number from 6 to 128',
      },
    ]);
  });

  it('--json reports a missing file as an error object, not a crash', async () => {
    const r = await run(['validate', '--json', '-f', 'no/such.yaml']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).errors[0]).toMatchObject({ code: 'manifest.not-found', file: 'no/such.yaml', line: null });
  });

  // `lz validate` loads every kind (each carries its slice of the schema), and with them the SDK's modules;
  // `lz --help` and the command surface load none of it: command bodies are imported when they run.
  it('the command surface (lz --help) imports nothing from AWS, directly or transitively', () => {
    const seen = new Set<string>();
    const external: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(/(?:from|^import)\s+'([^']+)'/gm)) {
        if (!spec) continue;
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else external.push(spec);
      }
    };
    visit(resolve('src/cli/main.ts'));
    expect(seen.size).toBeGreaterThan(3);
    expect([...seen].filter((f) => /[/\\](aws|sandbox|engine|resources)[/\\]/.test(f))).toEqual([]);
    expect(external.filter((s) => s.startsWith('@aws-sdk') || s.startsWith('@smithy'))).toEqual([]);
  });
});

describe('the built binary', () => {
  const bin = 'dist/cli/main.js';
  it('exists (npm test builds first)', () => expect(existsSync(bin)).toBe(true));

  it('exits 0 on accounts.yaml', () => {
    const r = spawnSync(process.execPath, [bin, 'validate'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('valid.');
  });

  it('exits 1 on a bad manifest, without a stack trace', () => {
    const r = spawnSync(process.execPath, [bin, 'validate', '-f', 'test/fixtures/bad/alias-bomb.yaml'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('test/fixtures/bad/alias-bomb.yaml:4:');
    expect(r.stderr).toContain('too many YAML alias expansions');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('internal error');
  });
});
