/**
 * A separate process that GETs our server's /livez every ~50 ms over one kept-alive connection and records
 * each answer's latency, so the figure is the server's responsiveness and not the fuzz driver's own event
 * loop (which spends its time generating and serializing payloads). Started with fork(); the parent sends
 * 'stop' and receives the samples.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

export interface ProbeResult {
  /** Milliseconds per answered probe, in order. */
  latencies: number[];
  /** Probes that failed (connection error, timeout, non-200), with what happened. */
  failures: string[];
}

const [port, caFile, servername, intervalArg] = process.argv.slice(2);
const interval = Number(intervalArg ?? 50);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const ca = readFileSync(caFile!);
const result: ProbeResult = { latencies: [], failures: [] };
let stopping = false;

function once(): Promise<void> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port: Number(port), path: '/livez', method: 'GET', ca, servername, agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (res.statusCode === 200) result.latencies.push(ms);
        else result.failures.push(`status ${String(res.statusCode)} after ${ms.toFixed(1)} ms`);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (err) => {
      result.failures.push(err.message);
      resolve();
    });
    req.end();
  });
}

async function loop(): Promise<void> {
  while (!stopping) {
    const started = Date.now();
    await once();
    await new Promise((r) => setTimeout(r, Math.max(0, interval - (Date.now() - started))));
  }
  process.send?.(result, () => process.exit(0));
}

process.on('message', (m) => {
  if (m === 'stop') stopping = true;
});
void loop();
