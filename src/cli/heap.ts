import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what a full collection left alive. V8's own choice is up to four times
 * when the machine has memory to spare, and lz's garbage is almost all short-lived SDK calls: a
 * 10,000-account plan reached over 500 MiB of RSS with far less alive. Growing by half keeps it near its live
 * size; growing by its size costs more memory and less CPU: at 1,000 accounts 22 MiB more RSS and about 10 %
 * less CPU, at 3,000 27 MiB and 1-8 % (docs/performance.md). **Decision:** 50 % until the file is read (and
 * for commands that read no organization), then 100 % for an organization of fewer than 5,000 member
 * accounts, which stays under 300 MB (4,900 accounts: 262 MiB).
 */
export const HEAP_GROWTH_PERCENT = 50;
const SMALL_ORGANIZATION_HEAP_GROWTH_PERCENT = 100;

/**
 * From this many member accounts a plan's memory is what lz's defaults protect (10,000 accounts under
 * 300 MB); below it they spend memory for speed: the heap's growth here, a read thread on two cores
 * (src/cli/read-threads.ts).
 */
export const isLargeOrganization = (memberAccounts: number): boolean => memberAccounts >= 5_000;

export const heapGrowthFor = (memberAccounts: number): number => (isLargeOrganization(memberAccounts) ? HEAP_GROWTH_PERCENT : SMALL_ORGANIZATION_HEAP_GROWTH_PERCENT);

/**
 * Sets V8's `--heap-growing-percent`, which it reads at each collection (unlike --max-old-space-size, it caps
 * nothing). A value on node's own command line wins; NODE_OPTIONS cannot carry it.
 */
export function setHeapGrowth(percent: number): void {
  if (!process.execArgv.some((a) => /heap[-_]growing[-_]percent/.test(a))) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
