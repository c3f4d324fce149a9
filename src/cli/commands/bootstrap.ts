import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { bootstrapYaml } from '../../engine/bootstrap-template.js';
import { LzError } from '../../errors.js';
import { writeFileAtomic } from '../../files.js';
import { loadManifest } from '../../manifest/index.js';
import { defaultRegistry, defaultSections } from '../../resources/registry.js';
import { EXIT_OK } from '../exit.js';
import type { CliIO } from '../io.js';

export interface BootstrapCliOptions {
  file: string;
  repository: string;
  branch: string;
  environment?: string;
  oidcProvider: 'create' | 'existing';
  planRole: string;
  applyRole: string;
  out?: string;
  force?: boolean;
}

/**
 * `lz bootstrap`: the CloudFormation template for the management account that lets a repository's GitHub
 * workflows run lz (docs/ci.md). Reads accounts.yaml for the access role and the lock bucket; makes no AWS call.
 */
export async function bootstrapCommand(opts: BootstrapCliOptions, io: CliIO): Promise<number> {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(opts.repository)) {
    throw new LzError('bad-option', `--repository must be OWNER/REPO, not "${opts.repository}"`);
  }
  for (const [flag, name] of [['--plan-role', opts.planRole], ['--apply-role', opts.applyRole]] as const) {
    if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw new LzError('bad-option', `${flag} must be an IAM role name (1-64 of letters, digits and + = , . @ _ -), not "${name}"`);
  }
  // The trust policy compares the token's subject with StringEquals: a wildcard or a ${...} would not mean what it says.
  for (const [flag, name] of [['--branch', opts.branch], ['--environment', opts.environment]] as const) {
    if (name !== undefined && !/^[^\s*?${}]+$/.test(name)) throw new LzError('bad-option', `${flag} must name one ${flag.slice(2)} (no spaces, wildcards or \${...}), not "${name}"`);
  }
  const loaded = await loadManifest(opts.file, defaultSections, { cwd: io.cwd });
  const organization = loaded.manifest.organization;
  const lockBucket = organization.lock?.bucket;
  if (!lockBucket) {
    throw new LzError('bootstrap.no-lock', `${opts.file} names no organization.lock.bucket: in CI, where every run starts on a fresh machine, apply needs the S3 lock.`, {
      hint: 'add `organization: { lock: { bucket: <a bucket in the management account> } }` (docs/operations.md)',
    });
  }
  const text = bootstrapYaml(defaultRegistry, {
    repository: opts.repository,
    branch: opts.branch,
    ...(opts.environment ? { environment: opts.environment } : {}),
    createOidcProvider: opts.oidcProvider === 'create',
    accessRole: loaded.accessRole,
    readRole: loaded.readRole,
    lockBucket,
    planRoleName: opts.planRole,
    applyRoleName: opts.applyRole,
  });
  if (!opts.out) {
    io.stdout(text);
    return EXIT_OK;
  }
  const out = resolve(io.cwd, opts.out);
  if (existsSync(out) && !opts.force) throw new LzError('bootstrap.exists', `${opts.out} exists; lz bootstrap does not overwrite it`, { hint: 'pass --force to replace it' });
  writeFileAtomic(out, text);
  io.stderr(`Wrote ${opts.out}. Deploy it in the management account: aws cloudformation deploy --template-file ${opts.out} --stack-name lz-github --capabilities CAPABILITY_NAMED_IAM\n`);
  return EXIT_OK;
}
