/**
 * Schedule: one open issue (label lz-drift, hidden marker) says what drifted. Drift opens it or updates it
 * with the latest report; a clean run comments and closes it, so an open lz-drift issue always means drift now.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, fitBody, listAll, repository, required, runUrl } from './github.mjs';

const MARKER = '<!-- lz-drift -->';
const LABEL = 'lz-drift';
const { path } = repository();
const open = (await listAll(`${path}/issues?state=open&labels=${LABEL}&per_page=100`)).filter(
  (i) => !i.pull_request && typeof i.body === 'string' && i.body.startsWith(MARKER),
);

if (required('LZ_DRIFTED') === 'true') {
  const report = readFileSync(join(required('LZ_DRIFT_DIR'), 'drift.md'), 'utf8');
  const foot = `\n\n---\n<sub>lz drift, [run](${runUrl()}). This issue is updated by every scheduled run and closed by the first clean one.</sub>\n`;
  const body = fitBody(`${MARKER}\n`, report, foot, 'the whole report is in the run log');
  if (open[0]) await api('PATCH', `${path}/issues/${open[0].number}`, { body });
  else await api('POST', `${path}/issues`, { title: 'lz drift: AWS differs from accounts.yaml', body, labels: [LABEL] });
  process.stdout.write(open[0] ? `Updated drift issue #${open[0].number}.\n` : 'Opened a drift issue.\n');
} else {
  for (const issue of open) {
    await api('POST', `${path}/issues/${issue.number}/comments`, { body: `No drift and no failing findings as of [this run](${runUrl()}); closing.` });
    await api('PATCH', `${path}/issues/${issue.number}`, { state: 'closed', state_reason: 'completed' });
    process.stdout.write(`Closed drift issue #${issue.number}.\n`);
  }
}
