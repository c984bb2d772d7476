import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sandboxPaths } from '../cluster/paths.js';

/**
 * A `kubectl ... -w` process whose output lines are collected, for asserting on what a user watching
 * would see. waitFor resolves with the first line matching, or rejects after the timeout.
 */
export class KubectlWatch {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private buffered = '';
  private waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];

  constructor(args: string[]) {
    const paths = sandboxPaths();
    this.child = spawn(join(paths.bin, 'kubectl'), ['--kubeconfig', paths.adminKubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      let i: number;
      while ((i = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, i);
        this.buffered = this.buffered.slice(i + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
  }

  waitFor(re: RegExp, timeoutMs = 5_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${String(re)} within ${timeoutMs}ms; saw:\n${this.lines.join('\n')}`)), timeoutMs);
      this.waiters.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}
