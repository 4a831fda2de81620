// Machine-wide CPU accounting from /proc, to tell how much of the machine other work used while a
// measurement ran (other sessions' builds and tests share this VM and are not visible to `ps`).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let tck = 100;
try {
  tck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // Linux default.
}
export const CLK_TCK = tck;

/** CPU seconds the whole machine has been busy (user, nice, system, irq, softirq, steal), all cores. */
export function machineBusySec() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (user + nice + system + irq + softirq + steal) / CLK_TCK;
  } catch {
    return null;
  }
}

/** CPU seconds used by this process and its reaped children. */
export function ownCpuSec() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Starts a window; `end()` gives the cores that others kept busy on average during it. */
export function loadWindow() {
  const t0 = performance.now();
  const busy0 = machineBusySec();
  const own0 = ownCpuSec();
  return {
    /** @param extraOwnSec CPU of own children not yet reaped (e.g. measured through their own exit hook) */
    end(extraOwnSec = 0) {
      const wall = (performance.now() - t0) / 1000;
      const busy = machineBusySec();
      const own = ownCpuSec();
      if (busy0 === null || busy === null || own0 === null || wall <= 0) return null;
      const others = (busy - busy0 - (own - own0) - extraOwnSec) / wall;
      return Math.max(0, Math.round(others * 100) / 100);
    },
  };
}
