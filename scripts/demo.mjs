#!/usr/bin/env node
// The main job on the built-in sandbox: plan, apply, plan again. Runs the real `lz` binary, as a person
// would, against a fresh sandbox state file, so it needs no AWS account.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const state = '.lz/demo-sandbox.json';
rmSync(join(root, state), { force: true });

const steps = [
  ['validate'],
  ['plan', '--sandbox', state],
  ['apply', '--sandbox', state, '--auto-approve'],
  ['plan', '--sandbox', state, '--detailed-exitcode'],
];
for (const args of steps) {
  process.stdout.write(`\n\x1b[1m$ lz ${args.join(' ')}\x1b[0m\n\n`);
  const run = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`\nlz ${args[0]} exited ${run.status}; the demo stops here.\n`);
    process.exit(run.status ?? 1);
  }
}
process.stdout.write(`\nThe sandbox's organization is in ${state}; run more commands against it with --sandbox ${state}.\n`);
