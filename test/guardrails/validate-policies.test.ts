import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineOf, manifestErrors } from '../helpers/manifest-errors.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

/** `lz validate` refuses what Organizations would refuse, before any AWS call, at the line that says it. */

const HEAD = `organization:
  management: General
  units: [Workloads/NonProd, Teams]
`;
const ACCOUNTS = `accounts:
  - { name: General, email: aws+general@example.com }
  - { name: Dev, email: aws+dev@example.com, unit: Workloads/NonProd }
`;
const deny = (action: string) => `{ Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "${action}", Resource: "*" }] }`;

function manifest(policies: string, key = 'serviceControlPolicies'): string {
  return `${HEAD}  ${key}:\n${policies}${ACCOUNTS}`;
}

const errorsOf = manifestErrors;


describe('validate: organization policies', () => {
  // SCPs: AWS's limits since 15 May 2026 (10 per target, 10,240 characters); RCPs kept 5 and 5,120.
  it.each([
    { key: 'serviceControlPolicies', title: 'service control policies', allowAll: 'FullAWSAccess', max: 10, principal: '' },
    { key: 'resourceControlPolicies', title: 'resource control policies', allowAll: 'RCPFullAWSAccess', max: 5, principal: ', Principal: "*"' },
  ])('refuses one $key too many on a unit ($allowAll counts while attached), at the entry that makes it too many', ({ key, title, allowAll, max, principal }) => {
    const entry = (n: number) => `    - { name: p${n}, document: { Version: "2012-10-17", Statement: [{ Effect: Deny${principal}, Action: "s3:Action${n}", Resource: "*" }] }, attach: { units: [Teams] } }\n`;
    const upTo = (n: number) => Array.from({ length: n }, (_, i) => entry(i + 1)).join('');
    expect(errorsOf(manifest(upTo(max - 1), key))).toEqual([]);
    const text = manifest(upTo(max), key);
    const errors = errorsOf(text);
    expect(errors.map((e) => e.code)).toEqual(['policy.too-many-attached']);
    expect(errors[0]!.message).toContain(`unit Teams would have ${max + 1} ${title} attached (${allowAll} included`);
    expect(errors[0]!.message).toContain(`at most ${max}`);
    expect(errors[0]!.location?.line).toBe(lineOf(text, `name: p${max},`));
  });

  it('counts FullAWSAccess only where the file keeps it attached', () => {
    const five = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `    - { name: p${n}, document: ${deny(`ec2:Action${n}`)}, attach: { units: [Teams] } }\n`).join('');
    const allow = `    - { name: allow-all, document: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "*", Resource: "*" }] }, attach: { root: true, units: [Workloads, Workloads/NonProd], accounts: [General, Dev] } }\n`;
    const full = `    - { name: FullAWSAccess, awsManaged: true, attach: { root: true, units: [Workloads, Workloads/NonProd], accounts: [General, Dev] } }\n`;
    // Teams: FullAWSAccess detached, replaced by five policies one of which allows.
    const withAllow = five.replace('name: p1, document: ' + deny('ec2:Action1'), 'name: p1, document: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "*", Resource: "*" }] }');
    expect(errorsOf(manifest(`${withAllow}${full}`))).toEqual([]);
    // Without any Allow left on Teams, detaching FullAWSAccess would deny everything there.
    const text = manifest(`${five}${full}${allow.replace('units: [Workloads, Workloads/NonProd]', 'units: [Workloads/NonProd]')}`);
    const codes = errorsOf(text).map((e) => `${e.code} ${e.message}`);
    expect(codes).toEqual([
      expect.stringMatching(/^policy.allow-all-removed FullAWSAccess would be detached from unit Teams/),
    ]);
  });

  it.each([
    { key: 'serviceControlPolicies', limit: 10_240, principal: {} },
    { key: 'resourceControlPolicies', limit: 5120, principal: { Principal: '*' } },
  ])('refuses a $key document one character over $limit as lz sends it (minified), accepts $limit, and names the file', ({ key, limit, principal }) => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-policy-'));
    const padded = (n: number) => {
      const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', ...principal, Action: 's3:GetObject', Resource: 'arn:aws:s3:::' }] };
      const base = JSON.stringify(doc).length;
      doc.Statement[0]!.Resource += 'x'.repeat(n - base);
      return JSON.stringify(doc, null, 2);
    };
    writeFileSync(join(dir, 'ok.json'), padded(limit));
    writeFileSync(join(dir, 'big.json'), padded(limit + 1));
    expect(errorsOf(manifest(`    - { name: ok, file: ok.json, attach: { root: true } }\n`, key), dir)).toEqual([]);
    const text = manifest(`    - name: big\n      file: big.json\n      attach: { root: true }\n`, key);
    const errors = errorsOf(text, dir);
    expect(errors.map((e) => e.code)).toEqual(['policy.too-large']);
    expect(errors[0]!.message).toContain(`"big" is ${limit + 1} characters`);
    expect(errors[0]!.message).toContain(`at most ${limit}`);
    expect(errors[0]!.location?.line).toBe(lineOf(text, 'file: big.json'));
  });

  it('limits each type as AWS counts it: AI services opt-out 2,500 characters and 5 per target, tag policies 10 per target', () => {
    const optOut = JSON.stringify({ services: { default: { opt_out_policy: { '@@assign': 'optOut' } }, x: 'y'.repeat(2500) } });
    expect(errorsOf(manifest(`    - { name: opt-out, document: '${optOut}', attach: { root: true } }\n`, 'aiServicesOptOutPolicies')).map((e) => e.code)).toEqual(['policy.too-large']);
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `    - { name: t${i}, document: { tags: {} }, attach: { accounts: [Dev] } }\n`).join('');
    expect(errorsOf(manifest(tags(10), 'tagPolicies'))).toEqual([]);
    expect(errorsOf(manifest(tags(11), 'tagPolicies')).map((e) => e.code)).toEqual(['policy.too-many-attached']);
    expect(errorsOf(manifest(tags(5), 'aiServicesOptOutPolicies'))).toEqual([]);
    expect(errorsOf(manifest(tags(6), 'aiServicesOptOutPolicies')).map((e) => e.code)).toEqual(['policy.too-many-attached']);
  });

  it('names unknown units and accounts, duplicate names, bad grammar, a missing file and a FIFO, each at its place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-policy-'));
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);
    const text = manifest(
      [
        `    - { name: a, document: ${deny('ec2:A')}, attach: { units: [Nope], accounts: [Ghost] } }`,
        `    - { name: a, document: ${deny('ec2:B')} }`,
        `    - { name: c, document: '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*"}]}' }`,
        `    - { name: d, document: '{not json' }`,
        `    - { name: e, file: missing.json }`,
        `    - { name: f, file: fifo.json }`,
        `    - { name: g, document: { Version: "2012-10-17", Statement: [{ Effect: Deny, Principal: "*", Action: "*" }] } }`,
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const errors = errorsOf(text, dir);
    expect(Date.now() - started).toBeLessThan(5000);
    const seen = errors.map((e) => [e.code, e.location?.line]);
    expect(seen).toEqual([
      ['policy.unknown-unit', lineOf(text, 'name: a, document')],
      ['policy.unknown-account', lineOf(text, 'name: a, document')],
      ['policy.duplicate-name', lineOf(text, "name: a, document: { Version: \"2012-10-17\", Statement: [{ Effect: Deny, Action: \"ec2:B\"")],
      ['policy.document', lineOf(text, 'name: c')],
      ['policy.document', lineOf(text, 'name: d')],
      ['policy.document', lineOf(text, 'name: e')],
      ['policy.document', lineOf(text, 'name: f')],
      ['policy.document', lineOf(text, 'name: g')],
    ].sort((x, y) => (x[1] as number) - (y[1] as number)));
    const messages = errors.map((e) => e.message).join('\n');
    expect(messages).toMatch(/Effect must be "Allow" or "Deny"/);
    expect(messages).toMatch(/not valid JSON/);
    expect(messages).toMatch(/missing.json does not exist/);
    expect(messages).toMatch(/fifo.json is a FIFO/);
    expect(messages).toMatch(/names no Principal/);
  });

  it('refuses an entry that names no document or two, and a Region preset without Regions, as schema errors', () => {
    const text = manifest([`    - { name: h, preset: allowed-regions }`, `    - { name: i, document: ${deny('ec2:I')}, preset: deny-root-user }`, `    - { name: j, attach: { root: true } }`, ''].join('\n'));
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.location?.line, e.message])).toEqual([
      [lineOf(text, 'name: h'), expect.stringMatching(/preset allowed-regions needs `regions`/)],
      [lineOf(text, 'name: i'), expect.stringMatching(/give exactly one of document, file or preset/)],
      [lineOf(text, 'name: j'), expect.stringMatching(/give exactly one of document, file or preset/)],
    ]);
  });

  it('refuses an opt-in Region the allowed-regions guardrail over the account denies, at the account that enables it', () => {
    const text = (regions: string, attach: string) =>
      `${HEAD}  serviceControlPolicies:\n    - { name: regions, preset: allowed-regions, regions: [${regions}], attach: ${attach} }\naccounts:\n  - { name: General, email: aws+general@example.com }\n  - name: Dev\n    email: aws+dev@example.com\n    unit: Workloads/NonProd\n    optInRegions: [af-south-1]\n`;
    const denied = text('us-east-1, eu-west-1', '{ units: [Workloads] }');
    const errors = errorsOf(denied);
    expect(errors.map((e) => [e.code, e.location?.line])).toEqual([['regions.denied-by-guardrail', lineOf(denied, 'optInRegions')]]);
    expect(errors[0]!.message).toMatch(/af-south-1 is enabled in Dev but denied there by the allowed-regions guardrail \(it allows us-east-1, eu-west-1\)/);
    expect(errorsOf(text('us-east-1, af-south-1', '{ root: true }'))).toEqual([]);
    expect(errorsOf(text('us-east-1', '{ units: [Teams] }'))).toEqual([]);
  });

  it('lz validate exits 1 on a bad policy without calling AWS (no endpoint, no credentials)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lz-policy-'));
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'accounts.yaml'), manifest(`    - { name: big, file: policies/big.json, attach: { root: true } }\n`));
    writeFileSync(join(dir, 'policies', 'big.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ec2:*', Resource: 'x'.repeat(12_000) }] }));
    const env = { PATH: process.env.PATH, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
    const io = bufferIO({ cwd: dir, env });
    const code = await runCli(['validate'], io);
    expect(code).toBe(1);
    expect(io.err()).toMatch(/accounts\.yaml:\d+:\d+: error: service control policy "big" is \d+ characters/);
  });
});
