/**
 * Which of plan, apply and drift this run is: the `command` input, else the event (pull_request: plan;
 * push and workflow_dispatch: apply; schedule: drift). Outputs `command`, and for a pull request its number
 * and head commit (the saved plan's artifact is named after the head commit, which merge looks up).
 */
import { event, fail, setOutput } from './github.mjs';

const name = process.env.GITHUB_EVENT_NAME ?? '';
const byEvent = { pull_request: 'plan', push: 'apply', workflow_dispatch: 'apply', schedule: 'drift' };
const command = process.env.INPUT_COMMAND || byEvent[name];
if (!['plan', 'apply', 'drift'].includes(command)) fail(`command must be plan, apply or drift (got "${command ?? ''}" for the event ${name}).`);
if (command === 'plan') {
  const pr = event().pull_request;
  if (!pr) fail(`lz plan posts its plan on the pull request, but this run is for the event ${name}, not pull_request.`);
  setOutput('pr-number', pr.number);
  setOutput('head-sha', pr.head.sha);
}
if (command === 'apply' && !['push', 'workflow_dispatch'].includes(name)) {
  fail(`apply runs the plan reviewed on the pull request merged into this commit: run it on push (to the branch the apply role trusts), not on ${name}.`);
}
setOutput('command', command);
