import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The part of GitHub the action talks to, in memory: the OIDC token endpoint of Actions (tokens minted by
 * the sandbox for the run's subject), issue comments, issues, a commit's pull requests and workflow-run
 * artifacts. It records what the scripts did so tests assert on GitHub's side, as on the sandbox's.
 */

export interface FakeComment {
  id: number;
  body: string;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  comments: string[];
}

export interface FakePull {
  number: number;
  headSha: string;
  /** Set once merged. */
  mergeCommitSha?: string;
}

export interface FakeArtifact {
  id: number;
  name: string;
  runId: number;
  createdAt: string;
}

export interface FakeGithub {
  /** GITHUB_API_URL */
  url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN */
  idTokenUrl: string;
  idTokenRequestToken: string;
  /** The token the scripts must send (the github-token input). */
  apiToken: string;
  /** The subject of the tokens the OIDC endpoint issues now (GitHub derives it from the run's event and ref). */
  subject: string;
  comments: Map<number, FakeComment[]>;
  issues: FakeIssue[];
  pulls: FakePull[];
  artifacts: FakeArtifact[];
  /** `METHOD path` of every API request. */
  log: string[];
  /** How many OIDC tokens the id-token endpoint has issued. */
  tokensIssued: number;
  close(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
    req.on('error', reject);
  });
}

export async function startFakeGithub(owner: string, repo: string, mint: (sub: string, aud: string) => string): Promise<FakeGithub> {
  let nextId = 1000;
  const gh = {
    idTokenRequestToken: 'runtime-token-for-id-tokens',
    apiToken: 'ghs_fake-installation-token',
    subject: '',
    tokensIssued: 0,
    comments: new Map<number, FakeComment[]>(),
    issues: [] as FakeIssue[],
    pulls: [] as FakePull[],
    artifacts: [] as FakeArtifact[],
    log: [] as string[],
  };
  const base = `/repos/${owner}/${repo}`;
  const issueJson = (i: FakeIssue) => ({ number: i.number, title: i.title, body: i.body, state: i.state, labels: i.labels.map((name) => ({ name })) });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const route = `${req.method} ${url.pathname}`;
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (url.pathname === '/_actions/id-token') {
        if (req.headers.authorization !== `bearer ${gh.idTokenRequestToken}`) return send(401, { message: 'bad runtime token' });
        gh.tokensIssued += 1;
        return send(200, { value: mint(gh.subject, url.searchParams.get('audience') ?? '') });
      }
      gh.log.push(route);
      if (req.headers.authorization !== `Bearer ${gh.apiToken}`) return send(401, { message: 'Bad credentials' });
      let m: RegExpExecArray | null;
      if ((m = new RegExp(`^GET ${base}/issues/(\\d+)/comments$`).exec(route))) return send(200, gh.comments.get(Number(m[1])) ?? []);
      if ((m = new RegExp(`^POST ${base}/issues/(\\d+)/comments$`).exec(route))) {
        const body = String((await readJson(req)).body);
        const issue = gh.issues.find((i) => i.number === Number(m![1]));
        if (issue) issue.comments.push(body);
        else {
          const list = gh.comments.get(Number(m[1])) ?? [];
          list.push({ id: nextId++, body });
          gh.comments.set(Number(m[1]), list);
        }
        return send(201, {});
      }
      if ((m = new RegExp(`^PATCH ${base}/issues/comments/(\\d+)$`).exec(route))) {
        const comment = [...gh.comments.values()].flat().find((c) => c.id === Number(m![1]));
        if (!comment) return send(404, { message: 'Not Found' });
        comment.body = String((await readJson(req)).body);
        return send(200, comment);
      }
      if ((m = new RegExp(`^GET ${base}/commits/(\\w+)/pulls$`).exec(route))) {
        const sha = m[1];
        const pulls = gh.pulls.filter((p) => p.headSha === sha || p.mergeCommitSha === sha);
        return send(200, pulls.map((p) => ({ number: p.number, head: { sha: p.headSha }, merge_commit_sha: p.mergeCommitSha ?? null, merged_at: p.mergeCommitSha ? '2030-01-01T00:00:00Z' : null })));
      }
      if (route === `GET ${base}/actions/artifacts`) {
        const name = url.searchParams.get('name');
        const found = gh.artifacts.filter((a) => !name || a.name === name);
        return send(200, { total_count: found.length, artifacts: found.map((a) => ({ id: a.id, name: a.name, expired: false, created_at: a.createdAt, workflow_run: { id: a.runId } })) });
      }
      if (route === `GET ${base}/issues`) {
        const label = url.searchParams.get('labels');
        const state = url.searchParams.get('state') ?? 'open';
        return send(200, gh.issues.filter((i) => i.state === state && (!label || i.labels.includes(label))).map(issueJson));
      }
      if (route === `POST ${base}/issues`) {
        const b = await readJson(req);
        const issue: FakeIssue = { number: nextId++, title: String(b.title), body: String(b.body), labels: (b.labels as string[]) ?? [], state: 'open', comments: [] };
        gh.issues.push(issue);
        return send(201, issueJson(issue));
      }
      if ((m = new RegExp(`^PATCH ${base}/issues/(\\d+)$`).exec(route))) {
        const issue = gh.issues.find((i) => i.number === Number(m![1]));
        if (!issue) return send(404, { message: 'Not Found' });
        const b = await readJson(req);
        if (typeof b.body === 'string') issue.body = b.body;
        if (b.state === 'open' || b.state === 'closed') issue.state = b.state;
        return send(200, issueJson(issue));
      }
      return send(404, { message: `Not Found: ${route}` });
    })().catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(gh, {
    url,
    // GitHub's URL already has a query string; the script adds the audience to it.
    idTokenUrl: `${url}/_actions/id-token?api-version=2.0`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
