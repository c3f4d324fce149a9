/**
 * What the action's scripts share: GitHub's runner environment (inputs through env, outputs through
 * GITHUB_OUTPUT and GITHUB_ENV) and its REST API through fetch. No dependencies: the scripts run before and
 * apart from lz's own install, and the same way in the action's test.
 */
import { appendFileSync, readFileSync } from 'node:fs';

/** Stops the step with GitHub's error annotation. */
export function fail(message) {
  process.stdout.write(`::error::${message.replace(/\r?\n/g, '%0A')}\n`);
  process.exit(1);
}

export function required(name, hint) {
  const value = process.env[name];
  if (!value) fail(`${name} is not set${hint ? `: ${hint}` : ''}.`);
  return value;
}

function appendLine(file, name, value) {
  if (/[\r\n]/.test(value)) fail(`internal: ${name} would span lines`);
  appendFileSync(required(file), `${name}=${value}\n`);
}

export const setOutput = (name, value) => appendLine('GITHUB_OUTPUT', name, String(value));
/** Exported to the job's later steps (lz's steps read the AWS variables from there). */
export const exportEnv = (name, value) => appendLine('GITHUB_ENV', name, String(value));

export function event() {
  return JSON.parse(readFileSync(required('GITHUB_EVENT_PATH'), 'utf8'));
}

export function repository() {
  const [owner, repo] = required('GITHUB_REPOSITORY').split('/');
  return { owner, repo, path: `/repos/${owner}/${repo}` };
}

export function runUrl() {
  return `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${required('GITHUB_REPOSITORY')}/actions/runs/${required('GITHUB_RUN_ID')}`;
}

/** One REST call; a failure names the call and GitHub's answer. */
export async function api(method, path, body) {
  const url = path.startsWith('http') ? path : `${required('GITHUB_API_URL')}${path}`;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${required('GITHUB_TOKEN', 'pass the github-token input')}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) fail(`GitHub API ${method} ${new URL(url).pathname} returned HTTP ${res.status}: ${text.slice(0, 500)}`);
  return { data: text ? JSON.parse(text) : undefined, link: res.headers.get('link') ?? '' };
}

/** Every item of a listing, following GitHub's Link: rel="next" pages. */
export async function listAll(path, pick = (data) => data) {
  const items = [];
  let next = path;
  while (next) {
    const { data, link } = await api('GET', next);
    items.push(...pick(data));
    next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
  }
  return items;
}

/** GitHub refuses a comment or issue body over 65,536 characters: cut the report, keep the frame. */
export const BODY_LIMIT = 65_536;

export function fitBody(head, report, foot, pointer) {
  const whole = `${head}${report}${foot}`;
  if (whole.length <= BODY_LIMIT) return whole;
  const note = `\n\n_… cut here to fit GitHub's limit: ${pointer}_\n`;
  return `${head}${report.slice(0, BODY_LIMIT - head.length - foot.length - note.length)}${note}${foot}`;
}
