import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { readFileSync, readdirSync } from 'node:fs';
import { sleep } from './limiter.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ); 100 on every common Linux. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Fields of /proc/<pid>/stat after the command name, which may itself contain spaces and parentheses. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Resident and peak resident memory in MiB (VmRSS, VmHWM of /proc/<pid>/status). */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kib('VmRSS') / 102.4) / 10, peak: Math.round(kib('VmHWM') / 102.4) / 10 };
}

/**
 * CPU time the process has used, in milliseconds. Summed over its threads' schedstat (nanoseconds), because
 * stat's utime + stime tick at 10 ms, too coarse for a single event; falls back to stat where schedstat
 * is missing. Node's threads live as long as the process, so no exited thread's time is lost.
 */
export function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  } catch {
    // fall through to the coarse figure
  }
  const f = statFields(pid);
  // utime and stime are fields 14 and 15 of stat(5); index 0 here is field 3 (state).
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * How long the process has been running, in seconds (10 ms resolution). Computed from its start tick and
 * /proc/uptime, so it needs no wall-clock boot time (btime has only one-second resolution).
 */
export function processAgeSeconds(pid: number): number {
  const startTicks = Number(statFields(pid)[19]);
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return uptime - startTicks / TICKS_PER_SECOND;
}

/**
 * Waits until the process uses less than `idleShare` of one CPU over a one-second window, so that a
 * measurement does not overlap start-up work (account reconciles, informer backlog). Bounded by `maxMs`;
 * returns how long it waited, in seconds.
 */
export async function settle(pid: number, maxMs = 120_000, idleShare = 0.05): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < maxMs) {
    const before = cpuMs(pid);
    await sleep(1000);
    if (cpuMs(pid) - before <= idleShare * 1000) break;
  }
  return (Date.now() - started) / 1000;
}

/** Busy and total CPU time of the whole machine so far, in clock ticks (the first line of /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are the not-busy ones.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/**
 * Who used the CPUs while `work` ran, in CPUs (1.0 = one CPU fully busy): the whole machine, the
 * server, this benchmark process, and everything else (etcd, kube-apiserver, other workloads).
 */
export async function cpuShares<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; cpus: CpuShares }> {
  const m0 = machineTicks();
  const s0 = cpuMs(pid);
  const c0 = process.cpuUsage();
  const t0 = Date.now();
  const result = await work();
  const wallMs = Math.max(1, Date.now() - t0);
  const m1 = machineTicks();
  const cores = cpus().length;
  const machine = ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * cores;
  const server = (cpuMs(pid) - s0) / wallMs;
  const c = process.cpuUsage(c0);
  const client = (c.user + c.system) / 1000 / wallMs;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { result, cpus: { machine: r(machine), server: r(server), client: r(client), others: r(Math.max(0, machine - server - client)), cores } };
}

export interface CpuShares {
  machine: number;
  server: number;
  client: number;
  others: number;
  cores: number;
}
