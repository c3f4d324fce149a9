#!/usr/bin/env node
// The main job on the built-in sandbox: validate, plan (saved), apply that plan, plan again, and print the
// root-user checklist. Runs the real `lz` binary, as a person would, in a fresh working directory holding a
// copy of accounts.yaml, against the sandbox's default state file there (`--sandbox` alone creates it; a
// `--sandbox PATH` that does not exist is an error), so it needs no AWS account and leaves the repository's
// .lz/ alone.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'lz-demo-'));
copyFileSync(join(root, 'accounts.yaml'), join(work, 'accounts.yaml'));
const plan = '.lz/demo-plan.json';

const steps = [
  { args: ['validate'], say: 'Check accounts.yaml; no AWS call.' },
  { args: ['plan', '--sandbox', '--out', plan], say: 'Read the (empty) organization and show what it takes to match the file.' },
  { args: ['apply', plan, '--sandbox'], say: 'Apply exactly the plan just reviewed: organization, units, accounts, then each account\'s baseline.' },
  { args: ['plan', '--sandbox', '--detailed-exitcode'], say: 'Plan again: nothing left to change (exit 0); what is left is for a person.' },
  { args: ['plan', '--sandbox', '--manual'], say: 'The root-user checklist: what only a person with the root login can do.' },
];
for (const { args, say } of steps) {
  process.stdout.write(`\n\x1b[2m# ${say}\x1b[0m\n\x1b[1m$ lz ${args.join(' ')}\x1b[0m\n\n`);
  const run = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { cwd: work, stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`\nlz ${args[0]} exited ${run.status}; the demo stops here.\n`);
    process.exit(run.status ?? 1);
  }
}
process.stdout.write(
  `\nThe sandbox's organization is in ${work}/.lz/sandbox.json; run more commands there with --sandbox (cd ${work}).\n` +
    `Initial console passwords are in ${work}/.lz/secrets/<account>/IAMADMIN.txt (mode 0600).\n`,
);
