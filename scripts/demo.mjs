#!/usr/bin/env node
// The main job on the built-in sandbox: validate, plan (saved), apply that plan, plan again, and print the
// root-user checklist. Runs the real `lz` binary, as a person would, against a fresh sandbox state file,
// so it needs no AWS account.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The sandbox's default state file, so that `npx lz plan --sandbox` (the README's next command) shows this organization.
const state = '.lz/sandbox.json';
const plan = '.lz/demo-plan.json';
rmSync(join(root, state), { force: true });
rmSync(join(root, '.lz/secrets'), { recursive: true, force: true });

const steps = [
  { args: ['validate'], say: 'Check accounts.yaml; no AWS call.' },
  { args: ['plan', '--sandbox', state, '--out', plan], say: 'Read the (empty) organization and show what it takes to match the file.' },
  { args: ['apply', '--sandbox', state, plan], say: 'Apply exactly the plan just reviewed: organization, units, accounts, then each account\'s baseline.' },
  { args: ['plan', '--sandbox', state, '--detailed-exitcode'], say: 'Plan again: nothing left to change (exit 0); what is left is for a person.' },
  { args: ['plan', '--sandbox', state, '--manual'], say: 'The root-user checklist: what only a person with the root login can do.' },
];
for (const { args, say } of steps) {
  process.stdout.write(`\n\x1b[2m# ${say}\x1b[0m\n\x1b[1m$ lz ${args.join(' ')}\x1b[0m\n\n`);
  const run = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`\nlz ${args[0]} exited ${run.status}; the demo stops here.\n`);
    process.exit(run.status ?? 1);
  }
}
process.stdout.write(
  `\nThe sandbox's organization is in ${state}, the default: run more commands against it with --sandbox, e.g. npx lz plan --sandbox.\n` +
    'Initial console passwords are in .lz/secrets/<account>-<hash>/IAMADMIN.txt (mode 0600).\n',
);
