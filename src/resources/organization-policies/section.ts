import * as z from 'zod';
import { LzError } from '../../errors.js';
import { accountAddress } from '../../core/organization.js';
import { accountNameSchema, rule, regionNameSchema, unitPathSchema } from '../../manifest/schema.js';
import { organizationSection, type OrganizationCheckInput, type OrganizationSection } from '../../manifest/sections.js';
import type { Manifest } from '../../manifest/types.js';
import { costExportSection, trailSection } from '../organization-services.js';
import { unitAddress } from '../organizational-units.js';
import { loadDocument, type LoadedDocument } from './documents.js';
import type { PolicyTypeFacts } from './policy-types.js';
import { PRESETS, presetDescription, type PresetInput } from './presets.js';

/**
 * A policy type's list under `organization:` (`serviceControlPolicies`, `tagPolicies`, ...): each policy's name,
 * document (inline, from a file, or a preset) and where it is attached, and the rules `lz validate` checks
 * without AWS: the document's grammar and size as AWS counts it, the units and accounts it names, and how many
 * policies each target would have.
 */


const attachSchema = z
  .strictObject({
    root: z.boolean().default(false).describe('Attach to the organization root: every account is under it.'),
    units: z.array(unitPathSchema).default([]).describe('OU paths (declared in organization.units): every account below them.'),
    accounts: z.array(accountNameSchema).default([]).describe('Accounts, by their name in this file.'),
  })
  .describe('Where the policy is attached; lz attaches and detaches it to match.');

function entrySchema(facts: PolicyTypeFacts) {
  const base = z.strictObject({
    name: z
      .string()
      .min(1, rule('must not be empty (policy names are 1-128 characters)'))
      .max(128, rule('must be at most 128 characters (policy names)'))
      .describe(facts.allowAll ? `Policy name, unique in its type. \`${facts.allowAll.name}\` with \`awsManaged: true\` is AWS's own allow-all policy.` : 'Policy name, unique in its type.'),
    description: z.string().max(512, rule('must be at most 512 characters (policy descriptions)')).default('').describe("What the policy is for; a preset's own when absent."),
    document: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .describe('The policy document, inline: a YAML mapping, or JSON in a string.'),
    file: z.string().min(1).optional().describe('A JSON file holding the document, relative to accounts.yaml.'),
    ...(facts.allowAll
      ? {
          awsManaged: z
            .literal(true)
            .optional()
            .describe(`Only with name ${facts.allowAll.name}: AWS's allow-all policy, whose attachments lz then manages (it is detached where \`attach\` does not name).`),
        }
      : {}),
    ...(facts.type === 'SERVICE_CONTROL_POLICY'
      ? {
          preset: z.enum(PRESETS).optional().describe('A guardrail lz ships (docs/guardrails.md).'),
          regions: z
            .array(regionNameSchema)
            .min(1)
            .optional()
            .describe('With preset allowed-regions: the Regions calls may go to.'),
        }
      : {}),
    attach: attachSchema.default({ root: false, units: [], accounts: [] }),
  });
  return base
    .superRefine((entry, ctx) => {
      const e = entry as { awsManaged?: true; preset?: string; regions?: string[]; document?: unknown; file?: string; name: string };
      const sources = (['document', 'file', 'preset'] as const).filter((k) => e[k] !== undefined);
      if (e.awsManaged) {
        if (e.name !== facts.allowAll?.name) ctx.addIssue({ code: 'custom', path: ['awsManaged'], message: rule(`only ${facts.allowAll?.name} is an AWS managed ${facts.title} lz manages the attachments of`, 'remove awsManaged') });
        for (const k of sources) ctx.addIssue({ code: 'custom', path: [k], message: rule(`an AWS managed policy's document is AWS's`, `remove ${k}`) });
        return;
      }
      if (sources.length !== 1) {
        const options = facts.type === 'SERVICE_CONTROL_POLICY' ? 'document, file or preset' : 'document or file';
        ctx.addIssue({ code: 'custom', path: sources.length > 1 ? [sources[1]!] : [], message: rule(`give exactly one of ${options}`, sources.length > 1 ? `keep ${sources[0]} and remove ${sources[1]}` : `add ${options}`) });
      }
      if (e.preset === 'allowed-regions' && !e.regions) ctx.addIssue({ code: 'custom', path: ['preset'], message: rule('preset allowed-regions needs `regions`', 'add regions: [us-east-1, ...]') });
      if (e.regions && e.preset !== 'allowed-regions') ctx.addIssue({ code: 'custom', path: ['regions'], message: rule('`regions` goes only with preset allowed-regions', 'remove regions') });
    })
    .describe(`A ${facts.title}.`);
}

type Entry = z.output<ReturnType<typeof entrySchema>> & { awsManaged?: true; preset?: (typeof PRESETS)[number]; regions?: string[] };

/** One policy the file declares, with its document loaded and its targets as addresses (`root`, `unit:P`, `account:N`). */
export interface DesiredPolicy {
  index: number;
  name: string;
  description: string;
  /** AWS's allow-all policy: lz manages only where it is attached. */
  awsManaged: boolean;
  /** Absent for AWS's managed policy. */
  document?: LoadedDocument;
  targets: string[];
}

export const ROOT_TARGET = 'root';

export function policySection(facts: PolicyTypeFacts): OrganizationSection<Entry[] | undefined> {
  return organizationSection({
    key: facts.key,
    schema: z.array(entrySchema(facts)).optional().describe(`${facts.titles[0]!.toUpperCase()}${facts.titles.slice(1)} (${facts.type}): created, kept as written, attached where named.`),
    check: (input) => checkPolicies(facts, input as OrganizationCheckInput<Entry[] | undefined>),
  }) as OrganizationSection<Entry[] | undefined>;
}

export function presetInput(manifest: Manifest): Omit<PresetInput, 'regions'> {
  const pick = { manifest };
  const trail = trailSection.of(pick);
  const costExport = costExportSection.of(pick);
  return {
    accessRole: manifest.organization.accessRole,
    trailName: trail?.name ?? 'lz-organization-trail',
    buckets: [trail?.bucket ?? 'lz-log-archive-*', costExport?.bucket ?? 'lz-cost-export-*'],
  };
}

const targetsOf = (entry: Entry): { key: string; path: (string | number)[] }[] => [
  ...(entry.attach.root ? [{ key: ROOT_TARGET, path: ['attach', 'root'] }] : []),
  ...entry.attach.units.map((u, j) => ({ key: unitAddress(u), path: ['attach', 'units', j] })),
  ...entry.attach.accounts.map((a, j) => ({ key: accountAddress(a), path: ['attach', 'accounts', j] })),
];

/** The deny-all SCP lz keeps on the quarantine unit while the file marks any account `closed: true`. */
export const QUARANTINE_POLICY = 'lz-quarantine';

/**
 * The file's entries, and for service control policies the quarantine's: accounts marked closed are moved
 * below it before CloseAccount, so that nothing runs in them meanwhile.
 */
function withQuarantine(facts: PolicyTypeFacts, entries: readonly Entry[] | undefined, manifest: Manifest): Entry[] {
  const closing = manifest.accounts.some((a) => a.closed === true);
  if (facts.type !== 'SERVICE_CONTROL_POLICY' || !closing) return [...(entries ?? [])];
  const quarantine = {
    name: QUARANTINE_POLICY,
    description: '',
    preset: 'deny-all',
    attach: { root: false, units: [manifest.organization.quarantineUnit], accounts: [] },
  } as Entry;
  return [...(entries ?? []), quarantine];
}

/** The file's policies of one type, documents loaded; throws on a document validate would have refused. */
export function desiredPolicies(facts: PolicyTypeFacts, declared: readonly Entry[] | undefined, manifest: Manifest, dir: string): DesiredPolicy[] {
  const preset = presetInput(manifest);
  return withQuarantine(facts, declared, manifest).map((entry, index) => {
    const targets = targetsOf(entry).map((t) => t.key);
    if (entry.awsManaged) return { index, name: entry.name, description: entry.description, awsManaged: true, targets };
    const loaded = loadDocument(entry, facts, dir, preset);
    if (!loaded.ok) {
      // validate refused it already; a file that changed since the manifest was loaded is the one way here.
      throw new LzError('policy.document', `organization.${facts.key}[${index}] (${entry.name}): ${loaded.message}`, { hint: 'run lz validate' });
    }
    const description = entry.description || (entry.preset ? presetDescription(entry.preset) : '');
    return { index, name: entry.name, description, awsManaged: false, document: loaded.document, targets };
  });
}

/** How messages and the plan name a target: `the root`, `unit Workloads`, `account Production`. */
export const targetName = (key: string) => (key === ROOT_TARGET ? 'the root' : key.startsWith('unit:') ? `unit ${key.slice(5)}` : `account ${key.slice(8)}`);

/** Whether a document allows anything (an Allow statement): what a target needs once the allow-all policy is gone. */
export const allowsSomething = (document: LoadedDocument | undefined) =>
  [document?.value.Statement].flat().some((s) => typeof s === 'object' && s !== null && (s as { Effect?: unknown }).Effect === 'Allow');

function checkPolicies(facts: PolicyTypeFacts, input: OrganizationCheckInput<Entry[] | undefined>): void {
  const entries = withQuarantine(facts, input.value, input.manifest);
  const { report } = input;
  const units = new Set(input.units);
  const accounts = new Set(input.accounts.map((a) => a.name));
  const preset = presetInput(input.manifest);
  const names = new Map<string, number>();
  const documents = new Map<number, LoadedDocument>();
  entries.forEach((entry, i) => {
    const seen = names.get(entry.name);
    if (seen !== undefined) report([i, 'name'], { code: 'policy.duplicate-name', message: `${facts.title} "${entry.name}" is declared twice (also entry ${seen + 1})`, hint: 'policy names are unique in their type: rename one or merge them' });
    else names.set(entry.name, i);
    entry.attach.units.forEach((u, j) => {
      if (!units.has(u)) report([i, 'attach', 'units', j], { code: 'policy.unknown-unit', message: `unit "${u}" is not declared in organization.units`, hint: 'add it to organization.units, or fix the path' });
    });
    entry.attach.accounts.forEach((a, j) => {
      if (!accounts.has(a)) report([i, 'attach', 'accounts', j], { code: 'policy.unknown-account', message: `account "${a}" is not listed in accounts`, hint: 'attach to accounts by the name they have in this file' });
    });
    if (entry.awsManaged) return;
    const loaded = loadDocument(entry, facts, input.dir, preset);
    if (!loaded.ok) {
      report([i, loaded.at], { code: 'policy.document', message: `${facts.title} "${entry.name}": ${loaded.message}`, ...(loaded.hint ? { hint: loaded.hint } : {}) });
      return;
    }
    documents.set(i, loaded.document);
    const size = Buffer.byteLength(loaded.document.content, 'utf8');
    if (size > facts.maxCharacters) {
      const at = entry.preset ? 'preset' : entry.file !== undefined ? 'file' : 'document';
      report([i, at], {
        code: 'policy.too-large',
        message: `${facts.title} "${entry.name}" is ${size} characters as lz sends it (minified JSON, in UTF-8 bytes); AWS allows at most ${facts.maxCharacters}`,
        hint: 'split it into two policies, or shorten it (wildcards in actions, fewer statements)',
      });
    }
  });

  // How many policies of the type each target would have: AWS counts its allow-all policy while attached.
  const allowAll = entries.findIndex((e) => e.awsManaged);
  const counts = new Map<string, number>();
  const allowAllEverywhere = facts.allowAll !== undefined && allowAll < 0;
  entries.forEach((entry, i) => {
    for (const t of targetsOf(entry)) {
      const n = (counts.get(t.key) ?? (allowAllEverywhere ? 1 : 0)) + 1;
      counts.set(t.key, n);
      if (n === facts.maxPerTarget + 1) {
        report([i, ...t.path], {
          code: 'policy.too-many-attached',
          message: `${targetName(t.key)} would have ${n} ${facts.titles} attached${allowAllEverywhere ? ` (${facts.allowAll!.name} included, which AWS attaches everywhere)` : ''}; AWS allows at most ${facts.maxPerTarget} per root, OU or account`,
          hint: 'merge policies into one, or attach some one level up or down',
        });
      }
    }
  });

  // Detaching the allow-all policy from a target leaves only what the others allow there: without an Allow,
  // every call below it would be denied.
  if (allowAll >= 0) {
    const kept = new Set(targetsOf(entries[allowAll]!).map((t) => t.key));
    const allTargets = [ROOT_TARGET, ...input.units.map(unitAddress), ...input.accounts.map((a) => accountAddress(a.name))];
    for (const target of allTargets) {
      if (kept.has(target)) continue;
      const replaced = entries.some((e, i) => i !== allowAll && allowsSomething(documents.get(i)) && targetsOf(e).some((t) => t.key === target));
      if (!replaced) {
        report([allowAll, 'attach'], {
          code: 'policy.allow-all-removed',
          message: `${facts.allowAll!.name} would be detached from ${targetName(target)} with no other ${facts.title} there that allows anything: every call under it would be denied`,
          hint: `attach a policy with an Allow statement to ${targetName(target)}, or keep ${facts.allowAll!.name} attached there`,
        });
      }
    }
  }
}
