import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** A process the sandbox started, as recorded in .sandbox/state.json so that `stop` ends exactly it. */
export interface RunningComponent {
  name: string;
  pid: number;
  command: string;
  /** Kept so that a test can restart the component exactly as it was started. */
  args: string[];
  logFile: string;
}

export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Children this process started, and whether each has exited. For them the exit event is the truth: a
 * script's /proc cmdline names its interpreter, and a child not yet exec'd names node, so /proc alone
 * could call a starting child dead, and read its log before it had written its last words.
 */
const childExited = new Map<number, boolean>();

/** The last lines of a log, for error messages when a component fails to start. */
export async function logTail(logFile: string, lines = 30): Promise<string> {
  if (!existsSync(logFile)) return '(no log written)';
  const text = await readFile(logFile, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n');
}

/**
 * Starts a component in its own process group with its output appended to its log file. The child is
 * detached so that a sandbox started with --detach outlives the command that started it.
 */
export function startComponent(spec: ComponentSpec): RunningComponent {
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
    });
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
    const pid = child.pid;
    childExited.set(pid, false);
    child.once('exit', () => childExited.set(pid, true));
    child.unref();
    return { name: spec.name, pid: child.pid, command: spec.command, args: spec.args, logFile: spec.logFile };
  } finally {
    closeSync(fd);
  }
}

/** True when the pid is alive and still runs the command we started (pids are reused). */
export function isRunning(component: RunningComponent): boolean {
  try {
    const cmdline = readFileSync(`/proc/${component.pid}/cmdline`, 'utf8');
    if (!cmdline.split('\0')[0]?.endsWith(component.command.split('/').pop() ?? component.command)) return false;
    const stat = readFileSync(`/proc/${component.pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Resolves once the pid has exited (gone, or a zombie), or after `timeoutMs`. */
async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return;
    } catch {
      return;
    }
    await sleep(50);
  }
}

/**
 * Polls `ready` until it resolves true. Fails early if the process died, and on timeout; either way
 * the error carries the tail of the component's log so the cause is visible where it failed.
 */
export async function waitReady(component: RunningComponent, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exited = childExited.get(component.pid);
    if (exited === true || (exited === undefined && !isRunning(component))) {
      // Not our child: the pid may still be finishing; let it end, so its last words are in the log.
      if (exited === undefined) await waitGone(component.pid, 5_000);
      throw new Error(`${component.name} exited during start-up. Last lines of ${component.logFile}:\n${await logTail(component.logFile)}`);
    }
    if (await ready().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${component.name} was not ready after ${timeoutMs / 1000}s. Last lines of ${component.logFile}:\n${await logTail(component.logFile)}`);
}

/** SIGTERM, then SIGKILL after the grace period; only if the pid still runs what we started. */
export async function stopComponent(component: RunningComponent, graceMs = 10000): Promise<void> {
  if (!isRunning(component)) return;
  process.kill(component.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(component)) return;
    await sleep(100);
  }
  if (isRunning(component)) process.kill(component.pid, 'SIGKILL');
  while (isRunning(component)) await sleep(50);
}
