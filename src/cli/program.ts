import { Command, CommanderError, Option } from 'commander';
import { EXIT_ERROR, reportFailure } from './exit.js';
import type { CliIO } from './io.js';

/**
 * How many accounts are worked in at once unless `--parallelism` caps it lower. A member account's calls
 * draw on that account's own quotas, and the management account's calls wait for their quota buckets
 * (src/aws/quotas.ts) however many accounts are in flight, so the width is bounded by what is shared
 * locally: the run's pool of 256 sockets (an account has about four calls in flight while its reads run
 * side by side) and the memory of the accounts in flight (their SDK clients and responses). At 150 ms a
 * call an account's read is a chain of four calls, 0.6 s; 64 accounts at once start about 100 a second,
 * the pace at which the management account can list them (ListAccountsForParent, 5 pages of 20 a second).
 */
export const DEFAULT_PARALLELISM = 64;

/**
 * The command-line surface. Command bodies are imported lazily inside each action so that `lz --help` and
 * `lz validate` never load the AWS SDK (startup stays well under a second).
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = new Command('lz')
    .description('Keep a multi-account AWS organization in one accounts.yaml: plan, apply, drift.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `lz --help` for usage)')
    .allowExcessArguments(false);

  const fileOption = () => new Option('-f, --file <file>', 'the manifest').default('accounts.yaml');

  program
    .command('validate')
    .description('Check accounts.yaml and summarise what it declares; makes no AWS call.')
    .addOption(fileOption())
    .option('--json', 'print the result as JSON')
    .action(async (opts: { file: string; json?: boolean }) => {
      const { validateCommand } = await import('./commands/validate.js');
      exitCode = await validateCommand(opts, io);
    });

  // `--parallelism` only where accounts are worked in (not unlock, which makes one call).
  const awsOptions = (cmd: Command, { parallelism = true } = {}) => {
    cmd
      .addOption(fileOption())
      .option('--profile <name>', 'AWS profile for the management account (default: the SDK\'s credential chain)')
      .option('--region <region>', 'AWS region for regional calls (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)')
      .option('--sandbox [stateFile]', `run against the built-in AWS sandbox over a state file (default ${'.lz/sandbox.json'})`);
    if (parallelism) {
      cmd
        .option('--parallelism <n>', 'how many accounts to work in at once', String(DEFAULT_PARALLELISM))
        .option('--read-threads <n>', 'threads that read member accounts besides the main one: auto (from 100 accounts: one per core but one, up to 3; on 2 cores one below 5,000 accounts) or 0-16', 'auto');
    }
    return cmd
      .option('--log-level <level>', 'structured log level on stderr: fatal, error, warn, info, debug, trace (default: LZ_LOG_LEVEL, else warn)')
      .option('--log-file <file>', 'write structured logs to this file instead of stderr');
  };
  const collect = (value: string, previous: string[]) => [...previous, value];
  const targetOption = (cmd: Command) => cmd.option('--target <account>', 'only this account (repeatable)', collect, []);
  const pruneOption = (cmd: Command) =>
    cmd
      .option('--prune', 'also delete what lz manages and the file no longer names (never accounts)')
      .option('--allow-close', 'let apply close the accounts marked closed: true (a plan saved with it records it)');
  const waitOptions = (cmd: Command) =>
    cmd
      .option('--create-timeout <seconds>', 'how long to wait for an account creation', '1800')
      .option('--role-timeout <seconds>', "how long to wait for a new account's access role", '600');

  pruneOption(targetOption(awsOptions(program.command('plan'))))
    .description('Read the live organization, diff it with accounts.yaml and print what apply would do. Makes no write call.')
    .option('--format <format>', 'text, json (docs/usage.md) or markdown (for a pull request comment)', 'text')
    .option('--json', 'print the plan as JSON (the same as --format json)')
    .option('--markdown-note <text>', 'with --format markdown: where the full plan is, said when the comment leaves sections out (e.g. "the lz-plan artifact")')
    .option('--out <file>', 'save the plan (always JSON), to apply exactly it later with `lz apply FILE`')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('--manual', 'print the per-account root-user checklist (manual steps, [x] where lz verified them) instead of the plan')
    .action(async (opts) => {
      const { planCommand } = await import('./commands/plan.js');
      exitCode = await planCommand(opts, io);
    });

  waitOptions(pruneOption(targetOption(awsOptions(program.command('apply')))))
    .description('Carry out the plan: plan, show it, ask, apply. With PLANFILE, apply that saved plan if it is not stale, against the manifest it recorded (-f may only repeat that file).')
    .argument('[planFile]', 'a plan saved with `lz plan --out`')
    .option('--auto-approve', 'do not ask for confirmation (needed off a terminal)')
    .option('--fail-fast', 'stop starting new changes after the first failure')
    .action(async (planFile: string | undefined, opts, cmd: Command) => {
      const { applyCommand } = await import('./commands/apply.js');
      exitCode = await applyCommand(planFile, { ...opts, fileGiven: cmd.getOptionValueSource('file') === 'cli' }, io);
    });

  targetOption(awsOptions(program.command('drift')))
    .description('Report drift (the plan that should be empty) and posture findings (CIS AWS Foundations v3.0). Reads only. Exit 0 clean, 2 drift or findings, 1 error.')
    .option('--json', 'print the report as JSON (the same as --format json)')
    .option('--format <format>', 'text, json, markdown or junit', 'text')
    .option('--output <file>', 'write the report to this file (stdout gets a summary line)')
    .option('--fail-on <what>', 'what makes exit code 2: drift, findings, all or none (comma-separated)', 'drift,findings')
    .action(async (opts) => {
      const { driftCommand } = await import('./commands/drift.js');
      exitCode = await driftCommand(opts, io);
    });

  waitOptions(awsOptions(program.command('onboard')))
    .description('Add an account to accounts.yaml (the rest of the file unchanged) and plan it; --apply applies it.')
    .argument('<name>', 'the new account\'s name')
    .option('--email <email>', "the account's root email (default: organization.emailPattern with {name})")
    .option('--unit <path>', 'OU path, one declared in organization.units')
    .option('--budget <amount>', 'a budget amount for the account (merged over defaults.budget)')
    .option('--alias <alias>', 'IAM account alias')
    .option('--tag <key=value>', 'a tag (repeatable)', collect, [])
    .option('--apply', 'apply the plan for the new account')
    .option('--auto-approve', 'with --apply: do not ask for confirmation (needed off a terminal)')
    .action(async (name: string, opts) => {
      const { onboardCommand } = await import('./commands/onboard.js');
      exitCode = await onboardCommand(name, opts, io);
    });

  program
    .command('import')
    .description('Write accounts.yaml for the live organization (units, accounts, tags, baseline items). Reads only.')
    .option('--out <file>', 'write it to this file instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .option('--access-role <role>', 'the role lz assumes in member accounts', 'OrganizationAccountAccessRole')
    .option('--profile <name>', 'AWS profile for the management account (default: the SDK\'s credential chain)')
    .option('--region <region>', 'AWS region for regional calls (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)')
    .option('--sandbox [stateFile]', `run against the built-in AWS sandbox over a state file (default ${'.lz/sandbox.json'})`)
    .option('--parallelism <n>', 'how many accounts to work in at once', String(DEFAULT_PARALLELISM))
    .option('--log-level <level>', 'structured log level on stderr: fatal, error, warn, info, debug, trace (default: LZ_LOG_LEVEL, else warn)')
    .option('--log-file <file>', 'write structured logs to this file instead of stderr')
    .action(async (opts) => {
      const { importCommand } = await import('./commands/import.js');
      exitCode = await importCommand(opts, io);
    });

  program
    .command('bootstrap')
    .description('Write the CloudFormation template that lets a GitHub repository run lz: OIDC provider, plan role, apply role (docs/ci.md). Makes no AWS call.')
    .addOption(fileOption())
    .requiredOption('--repository <owner/repo>', 'the GitHub repository whose workflows may run lz')
    .option('--branch <branch>', 'the only branch whose workflows may apply', 'main')
    .option('--environment <name>', 'the GitHub environment the apply job runs in (then only it may apply)')
    .addOption(new Option('--oidc-provider <how>', "create GitHub's OIDC provider, or use the account's existing one").choices(['create', 'existing']).default('create'))
    .option('--plan-role <name>', 'the plan role\'s name', 'lz-plan')
    .option('--apply-role <name>', 'the apply role\'s name', 'lz-apply')
    .option('--out <file>', 'write it to this file instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .action(async (opts) => {
      const { bootstrapCommand } = await import('./commands/bootstrap.js');
      exitCode = await bootstrapCommand(opts, io);
    });

  const sandbox = program.command('sandbox').description('A local multi-account AWS emulator (for trying lz and for tests).');
  sandbox
    .command('serve')
    .description('Serve the sandbox on 127.0.0.1 and print the environment that points AWS clients at it.')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4566')
    .option('--state <file>', 'state file shared by separate runs', '.lz/sandbox.json')
    .option('--seed <n>', 'seed for ids, keys and faults', '1')
    .option('--faults <spec>', 'inject faults, e.g. errors=0.05,resets=0.01,latency=30,jitter=10,seed=7')
    .option('--quotas', "throttle at AWS's published request quotas")
    .action(async (opts: { port?: string; state?: string; seed?: string; faults?: string; quotas?: boolean }) => {
      const { sandboxServeCommand } = await import('./commands/sandbox.js');
      exitCode = await sandboxServeCommand(opts, io);
    });
  sandbox
    .command('reset')
    .description("Forget the sandbox's organization (deletes the state file).")
    .option('--state <file>', 'state file', '.lz/sandbox.json')
    .action(async (opts: { state?: string }) => {
      const { sandboxResetCommand } = await import('./commands/sandbox.js');
      exitCode = await sandboxResetCommand(opts, io);
    });
  sandbox
    .command('otp')
    .argument('<accountId>', 'the member account whose root email is being changed')
    .description('Print the one-time code AWS would email for a pending root email change (StartPrimaryEmailUpdate).')
    .option('--state <file>', 'state file', '.lz/sandbox.json')
    .action(async (accountId: string, opts: { state?: string }) => {
      const { sandboxOtpCommand } = await import('./commands/sandbox.js');
      exitCode = await sandboxOtpCommand(accountId, opts, io);
    });

  sandbox
    .command('oidc-token')
    .description("Print an OIDC token as GitHub Actions would issue one, signed with the sandbox's key for GitHub's issuer (for AssumeRoleWithWebIdentity).")
    .requiredOption('--sub <subject>', 'the sub claim, e.g. repo:OWNER/REPO:pull_request')
    .option('--aud <audience>', 'the aud claim', 'sts.amazonaws.com')
    .option('--expires-in <seconds>', 'lifetime of the token', '300')
    .option('--state <file>', 'state file', '.lz/sandbox.json')
    .action(async (opts: { sub: string; aud: string; expiresIn: string; state?: string }) => {
      const { sandboxOidcTokenCommand } = await import('./commands/sandbox.js');
      exitCode = await sandboxOidcTokenCommand(opts, io);
    });

  awsOptions(program.command('accept-email'), { parallelism: false })
    .description("Complete an account's root email change that apply started, with the code AWS emailed to the new address (AcceptPrimaryEmailUpdate).")
    .argument('<account>', 'the account, by its name in accounts.yaml')
    .requiredOption('--otp <code>', 'the one-time code from the email AWS sent to the new address')
    .option('--json', 'print the result as JSON')
    .action(async (account: string, opts) => {
      const { acceptEmailCommand } = await import('./commands/accept-email.js');
      exitCode = await acceptEmailCommand(account, opts, io);
    });

  awsOptions(program.command('unlock'), { parallelism: false })
    .description('Release the apply lock left by a run that crashed (the local one, and the S3 one if accounts.yaml names a lock bucket). Check `lz plan` first.')
    .action(async (opts) => {
      const { unlockCommand } = await import('./commands/unlock.js');
      exitCode = await unlockCommand(opts, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    return reportFailure(io, err);
  }
}
