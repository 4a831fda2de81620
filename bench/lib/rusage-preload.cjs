// Preloaded with `node -r` into a measured `greenml check` process: on exit, writes the process's own
// CPU time (user + system, all threads), peak RSS and its uptime to the file named by
// GREENML_BENCH_RUSAGE. Child processes (if the CLI ever forks any) are not included.
'use strict';
const out = process.env.GREENML_BENCH_RUSAGE;
if (out) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const record = {
      userMs: usage.userCPUTime / 1000,
      systemMs: usage.systemCPUTime / 1000,
      maxRssKB: usage.maxRSS,
      uptimeMs: performance.now(),
      voluntaryContextSwitches: usage.voluntaryContextSwitches,
      involuntaryContextSwitches: usage.involuntaryContextSwitches,
    };
    try {
      require('node:fs').writeFileSync(out, JSON.stringify(record));
    } catch {
      // Measurement only: never change the CLI's behaviour.
    }
  });
}
