import { LzError } from '../errors.js';
import { isMapping } from './merge.js';
import { formatPath } from './paths.js';
import { UNIT_PATH } from './schema.js';
import { suggest } from './suggest.js';
import type { ManifestSections } from './sections.js';
import type { DocPath, YamlSource } from './yaml-source.js';

/**
 * Rules that span more than one value (uniqueness, references between sections). They read the raw
 * document rather than the parsed one so that they still run, and still report, when some other part
 * of the file fails the schema: the person sees every problem in one pass.
 */
export function semanticChecks(value: unknown, source: Pick<YamlSource, 'locate'>, sections: ManifestSections): LzError[] {
  const errors: LzError[] = [];
  const fail = (code: string, path: DocPath, message: string, hint: string) =>
    errors.push(new LzError(code, message, { path: formatPath(path), location: source.locate(path), hint }));
  const lineOf = (path: DocPath) => source.locate(path)?.line;

  const doc = isMapping(value) ? value : {};
  const org = isMapping(doc.organization) ? doc.organization : {};
  const accounts = Array.isArray(doc.accounts) ? doc.accounts : [];

  // Units: every declared path and its parents, compared case-insensitively (two OUs whose names differ only
  // in case are almost certainly one OU misspelt).
  const declared = Array.isArray(org.units) ? org.units : [];
  const units = new Map<string, string>(); // lowercased path -> path as first written
  const declaredExactly = new Map<string, number>();
  declared.forEach((unit, i) => {
    if (typeof unit !== 'string' || !UNIT_PATH.test(unit)) return;
    const path = ['organization', 'units', i];
    const first = declaredExactly.get(unit);
    if (first !== undefined) {
      fail('manifest.duplicate-unit', path, `OU path "${unit}" is declared twice (first at line ${lineOf(['organization', 'units', first])})`, 'remove one of them');
      return;
    }
    declaredExactly.set(unit, i);
    const segments = unit.split('/');
    for (let n = 1; n <= segments.length; n++) {
      const prefix = segments.slice(0, n).join('/');
      const seen = units.get(prefix.toLowerCase());
      if (seen === undefined) units.set(prefix.toLowerCase(), prefix);
      else if (seen !== prefix) {
        fail('manifest.duplicate-unit', path, `OU "${prefix}" differs only in case from "${seen}"`, `write it the same way everywhere, e.g. "${seen}"`);
        break;
      }
    }
  });
  const knownUnits = [...units.values()];

  const names = new Map<string, number>();
  const emails = new Map<string, number>();
  const ids = new Map<string, number>();
  const accountNames: string[] = [];
  accounts.forEach((account, i) => {
    if (!isMapping(account)) return;
    const { name, email, unit, id, closed } = account;
    if (typeof id === 'string') {
      const first = ids.get(id);
      if (first !== undefined) fail('manifest.duplicate-id', ['accounts', i, 'id'], `account id ${id} is already used by accounts[${first}] (line ${lineOf(['accounts', first, 'id'])})`, 'each entry is one AWS account: remove the duplicate');
      else ids.set(id, i);
    }
    if (closed === true && typeof name === 'string' && name === org.management) {
      fail(
        'manifest.close-management',
        ['accounts', i, 'closed'],
        `the management account "${name}" cannot be closed: AWS closes it only once it has no organization`,
        'remove closed: true; to close it, remove every member account and delete the organization first (a person does this, in the console)',
      );
    }
    if (typeof name === 'string') {
      accountNames.push(name);
      const first = names.get(name.toLowerCase());
      if (first !== undefined) {
        fail('manifest.duplicate-name', ['accounts', i, 'name'], `account name "${name}" is already used by accounts[${first}] (line ${lineOf(['accounts', first, 'name'])}); names are compared case-insensitively`, 'give each account its own name');
      } else names.set(name.toLowerCase(), i);
    }
    if (typeof email === 'string') {
      const first = emails.get(email.toLowerCase());
      if (first !== undefined) {
        fail('manifest.duplicate-email', ['accounts', i, 'email'], `email "${email}" is already used by accounts[${first}] (line ${lineOf(['accounts', first, 'email'])}); emails are compared case-insensitively`, 'every AWS account needs its own root email; with plus-addressing, e.g. aws+name@example.com');
      } else emails.set(email.toLowerCase(), i);
    }
    if (typeof unit === 'string' && UNIT_PATH.test(unit) && !knownUnits.includes(unit)) {
      const guess = suggest(unit, knownUnits);
      fail(
        'manifest.unknown-unit',
        ['accounts', i, 'unit'],
        `OU "${unit}" is not declared in organization.units`,
        guess ? `did you mean "${guess}"? Otherwise add "${unit}" to organization.units` : `add "${unit}" to organization.units${knownUnits.length ? ` (declared: ${knownUnits.join(', ')})` : ''}`,
      );
    }
  });

  // The management account, and any organization section that names an account, must name a listed one.
  const references = [
    { key: 'management', label: 'management account' },
    ...sections.organization.flatMap((s) => (s.namesAccount ? [{ key: s.key, label: s.namesAccount }] : [])),
  ];
  for (const { key, label } of references) {
    const wanted = org[key];
    if (typeof wanted !== 'string' || accounts.length === 0 || accountNames.includes(wanted)) continue;
    const caseMatch = accountNames.find((n) => n.toLowerCase() === wanted.toLowerCase());
    const guess = caseMatch ?? suggest(wanted, accountNames);
    fail(
      `manifest.${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-not-listed`,
      ['organization', key],
      `${label} "${wanted}" is not listed in accounts`,
      guess ? `did you mean "${guess}"? Names must match exactly` : `add an account named "${wanted}" to accounts, or name one that is listed`,
    );
  }
  return errors;
}
