/**
 * Posts the plan on the pull request, or updates the comment an earlier run posted (found by its hidden
 * marker), so a pull request has one plan comment, always the latest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, fitBody, listAll, repository, required, runUrl } from './github.mjs';

const MARKER = '<!-- lz-plan -->';
const number = required('LZ_PR_NUMBER');
const sha = required('LZ_HEAD_SHA');
const plan = readFileSync(join(required('LZ_PLAN_DIR'), 'plan.md'), 'utf8');
const artifact = `lz-plan-${sha}`;
const foot = `\n\n---\n<sub>lz plan of ${sha.slice(0, 7)} ([run](${runUrl()}), saved plan: artifact \`${artifact}\`). Merging applies exactly this plan; if AWS or main changed since, apply refuses it as stale.</sub>\n`;
const body = fitBody(`${MARKER}\n`, plan, foot, `the whole plan is plan.md in the artifact ${artifact}`);

const { path } = repository();
const comments = await listAll(`${path}/issues/${number}/comments?per_page=100`);
const mine = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(MARKER));
if (mine) await api('PATCH', `${path}/issues/comments/${mine.id}`, { body });
else await api('POST', `${path}/issues/${number}/comments`, { body });
process.stdout.write(`${mine ? 'Updated' : 'Posted'} the plan comment on #${number}.\n`);
