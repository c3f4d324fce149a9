// Preloaded into the lz process the benchmark times: reports that process's peak RSS (KiB) on exit.
import { writeFileSync } from 'node:fs';

const out = process.env.LZ_BENCH_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
