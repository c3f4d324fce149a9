/**
 * Merge: finds the plan reviewed for this commit. The pull request merged as this commit names its head
 * commit, and the plan job of that head saved the artifact lz-plan-<head sha>. No merged pull request, or
 * no such artifact, fails the run: lz never applies a plan nobody reviewed.
 */
import { api, fail, repository, required, setOutput } from './github.mjs';

const sha = required('GITHUB_SHA');
const { path } = repository();
const { data: pulls } = await api('GET', `${path}/commits/${sha}/pulls`);
const pr = pulls.find((p) => p.merged_at && p.merge_commit_sha === sha);
if (!pr) {
  fail(`No pull request was merged as ${sha}: lz applies only a plan reviewed on a pull request. Merge changes through a pull request (branch protection), or run lz apply by hand.`);
}
const name = `lz-plan-${pr.head.sha}`;
const { data } = await api('GET', `${path}/actions/artifacts?name=${encodeURIComponent(name)}&per_page=100`);
const artifact = (data.artifacts ?? [])
  .filter((a) => a.name === name && !a.expired)
  .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)))[0];
if (!artifact) {
  fail(`Pull request #${pr.number} has no saved plan for its last commit ${pr.head.sha} (artifact ${name}): its plan job did not finish, or the artifact expired. Nothing is applied; re-run the pull request's plan job, or plan and apply by hand.`);
}
setOutput('artifact-name', name);
setOutput('run-id', artifact.workflow_run.id);
setOutput('pr-number', pr.number);
process.stdout.write(`Applying the plan reviewed on #${pr.number} (${name}, run ${artifact.workflow_run.id}).\n`);
