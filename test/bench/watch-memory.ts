// Memory per open watch on one server process: live heap and RSS with N watches held open, straight to
// the port (as kube-apiserver's aggregator connects, one TLS connection per watch), then after they close.
//
//   npm run -s build && node --experimental-websocket dist/test/bench/watch-memory.js [watches=1000]
//
// Needs a running sandbox (npm run sandbox). Starts its own replica, with the inspector on a loopback
// port, so that the figures are that process's alone and are read after a full garbage collection
// (HeapProfiler.collectGarbage): heap used read at an arbitrary moment counts whatever garbage waits.
// The watches are spread over users of at most 100 watches each (the default per-user limit), all in
// system:masters, so each watch starts with every namespace as ADDED.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { ClientRequest } from 'node:http';
import { startExtraServer } from '../cluster/sandbox.js';
import { pki, sandboxState } from '../support/sandbox-access.js';
import { asUser, directAgent, metric, MiB } from '../support/server-memory.js';

const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces?watch=true';
const PER_USER = 100;

function openWatch(port: number, user: string, agent: ReturnType<typeof directAgent>, ca: Buffer): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: SPACES, agent, ca, headers: asUser(user, ['system:masters', 'system:authenticated']) }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`watch answered ${String(res.statusCode)}`));
      res.on('data', () => undefined);
      res.on('error', () => undefined);
      resolve(req);
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}

async function openedCount(port: number, n: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await metric(port, 'apiserver_longrunning_requests')) !== n) {
    if (Date.now() > deadline) throw new Error(`the server did not reach ${n} open watches`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The server's inspector: full GCs on demand and its own memory figures. */
class Inspector {
  private next = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (e) => {
      const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
    });
  }

  static async connect(logFile: string): Promise<Inspector> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1];
    if (!url) throw new Error(`no inspector URL in ${logFile}`);
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    return new Inspector(ws);
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Collects garbage fully (twice: weak references and finalizers free more on the second), then reads memory. */
  async memoryAfterGc(): Promise<{ rss: number; heapUsed: number; external: number }> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const r = await this.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }) as { result: { value: string } };
    return JSON.parse(r.result.value) as { rss: number; heapUsed: number; external: number };
  }

  close(): void {
    this.ws.close();
  }
}

async function main(): Promise<void> {
  const watches = Number(process.argv[2] ?? 1000);
  // The replica inherits this: the inspector on a loopback port the kernel picks (printed to its log).
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim();
  const server = await startExtraServer(sandboxState());
  const inspector = await Inspector.connect(server.logFile);
  const agent = directAgent(watches + 8);
  const ca = readFileSync(pki().extensionCaCert);
  const fmt = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  try {
    // Warm-up: the code paths, TLS and the first views, then the baseline.
    const warm = await Promise.all(Array.from({ length: 20 }, (_, i) => openWatch(server.port, `bench-warm-${i % 2}`, agent, ca)));
    await openedCount(server.port, 20);
    for (const r of warm) r.destroy();
    await openedCount(server.port, 0);
    const m0 = await inspector.memoryAfterGc();

    const open: ClientRequest[] = [];
    for (let i = 0; i < watches; i += 50) {
      const batch = Array.from({ length: Math.min(50, watches - i) }, (_, j) => openWatch(server.port, `bench-user-${Math.floor((i + j) / PER_USER)}`, agent, ca));
      open.push(...await Promise.all(batch));
    }
    await openedCount(server.port, watches);
    const m1 = await inspector.memoryAfterGc();

    for (const r of open) r.destroy();
    await openedCount(server.port, 0);
    await new Promise((r) => setTimeout(r, 2000));
    const m2 = await inspector.memoryAfterGc();

    const objects = await metric(server.port, 'kiosk_access_index_objects').catch(() => NaN);
    const per = (a: number, b: number) => `${((b - a) / watches / 1024).toFixed(1)} KiB`;
    process.stdout.write([
      `watch memory: ${watches} watches held open straight to the port (access index objects: ${objects}); figures after a full GC`,
      `  baseline           RSS ${fmt(m0.rss)}   heap used ${fmt(m0.heapUsed)}   external ${fmt(m0.external)}`,
      `  with watches open  RSS ${fmt(m1.rss)}   heap used ${fmt(m1.heapUsed)}   external ${fmt(m1.external)}`,
      `  per open watch     RSS ${per(m0.rss, m1.rss)}   heap ${per(m0.heapUsed, m1.heapUsed)}   external ${per(m0.external, m1.external)}`,
      `  after closing      RSS ${fmt(m2.rss)} (${fmt(m2.rss - m0.rss)} above baseline)   heap used ${fmt(m2.heapUsed)} (${fmt(m2.heapUsed - m0.heapUsed)} above)`,
    ].join('\n') + '\n');
  } finally {
    inspector.close();
    agent.destroy();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? (err as Error).message}\n`);
  process.exit(1);
});
