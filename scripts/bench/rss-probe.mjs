// Preloaded into the lz process the benchmark times: reports that process's peak RSS (KiB), CPU time
// (ms) and the largest heap in use it saw (sampled), on exit.
import { writeFileSync } from 'node:fs';

const out = process.env.LZ_BENCH_RSS_FILE;
if (out) {
  let heapUsed = 0;
  setInterval(() => (heapUsed = Math.max(heapUsed, process.memoryUsage().heapUsed)), 100).unref();
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ rssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, heapUsedMiB: heapUsed / 2 ** 20 }));
  });
}
