// Preloaded into the lz process the benchmark times: reports that process's peak RSS (KiB) and CPU time
// (ms) on exit.
import { writeFileSync } from 'node:fs';

const out = process.env.LZ_BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ rssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
  });
}
