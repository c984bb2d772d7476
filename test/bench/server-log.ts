import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { DIRECT_AUDIT_PREFIX } from './clients.js';

/** Where the server's log ends now: read from here later to see only the lines written meanwhile. */
export function logOffset(file: string): number {
  return statSync(file).size;
}

/** The text appended to a log since `offset` (see logOffset). */
export function readFrom(file: string, offset: number): string {
  const size = statSync(file).size;
  if (size <= offset) return '';
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

interface RequestLine {
  msg?: string;
  uri?: string;
  user?: string;
  latency?: string;
  auditID?: string;
}

/**
 * The latencies the server logged itself (its one line per request, `latency: "1.234ms"`) for one user's
 * requests to `uri` since `offset`. Every line has an auditID; the benchmark's direct requests send one
 * starting with DIRECT_AUDIT_PREFIX, those through kube-apiserver carry its UUID. This is the time inside the server; what the client saw on top is transport and queueing.
 */
export function serverLatencies(file: string, offset: number, uri: string, user: string): { direct: number[]; viaApiserver: number[] } {
  const out = { direct: [] as number[], viaApiserver: [] as number[] };
  for (const line of readFrom(file, offset).split('\n')) {
    if (!line.includes('"HTTP"')) continue;
    let o: RequestLine;
    try {
      o = JSON.parse(line) as RequestLine;
    } catch {
      continue;
    }
    if (o.msg !== 'HTTP' || o.uri !== uri || o.user !== user || !o.latency?.endsWith('ms')) continue;
    (o.auditID?.startsWith(DIRECT_AUDIT_PREFIX) ? out.direct : out.viaApiserver).push(Number(o.latency.slice(0, -2)));
  }
  return out;
}
