import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { OutgoingHttpHeaders } from 'node:http';
import { SERVER_DNS_NAME } from '../cluster/sandbox.js';
import { frontProxyCredentials, pki } from './sandbox-access.js';

export const MiB = 1024 * 1024;

/** The server process's resident memory in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for pid ${pid}`);
  return kib * 1024;
}

/** The front proxy's headers for `user` (kube-apiserver's aggregator sends these). */
export function asUser(user: string, groups: string[] = ['system:authenticated']): OutgoingHttpHeaders {
  return { 'X-Remote-User': user, 'X-Remote-Group': groups };
}

/**
 * A keep-alive agent straight to a server port: requests reuse connections (a refused request frees its
 * connection for the next), with or without the front proxy's client certificate.
 */
export function directAgent(maxSockets: number, credentials = true): Agent {
  return new Agent({
    keepAlive: true, maxSockets, ca: readFileSync(pki().extensionCaCert), servername: SERVER_DNS_NAME,
    ...(credentials ? frontProxyCredentials() : {}),
  });
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One request, read to its end. */
export function send(agent: Agent, port: number, path: string, headers: OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A metric's value from the server's /metrics (as an admin), summed over its series. */
export async function metric(port: number, name: string): Promise<number> {
  const agent = directAgent(1);
  try {
    const r = await send(agent, port, '/metrics', asUser('kubernetes-admin', ['system:masters', 'system:authenticated']));
    if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
    let sum = 0;
    for (const line of r.body.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  } finally {
    agent.destroy();
  }
}

/**
 * Resident memory once it has settled: sampled until three samples in a row, a second apart, are within
 * 2 MiB of each other (or the time runs out), so a GC or a lazy free in progress does not skew it.
 */
export async function settledRss(pid: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const samples = [rssBytes(pid)];
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    samples.push(rssBytes(pid));
    const last = samples.slice(-3);
    if (last.length === 3 && Math.max(...last) - Math.min(...last) <= 2 * MiB) return last[2]!;
    if (Date.now() > deadline) return samples.at(-1)!;
  }
}

/** Runs `task` for 0..n-1 with at most `concurrency` running at once. */
export async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  }));
  return out;
}
