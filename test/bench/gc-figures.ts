import type { Clients } from './clients.js';
import { ADMIN, remoteUser } from './clients.js';

/** Garbage collections of one kind in a span: how many, and their summed pause. */
export interface GcKind { count: number; ms: number }

/** The server's collections during a measured span, by V8's kind (prom-client's nodejs_gc_duration_seconds). */
export interface GcFigures { minor: GcKind; major: GcKind; incremental: GcKind; weakcb: GcKind; wallMs: number }

type Totals = Map<string, GcKind>;

async function gcTotals(clients: Clients): Promise<Totals> {
  const res = await clients.server.request('/metrics', { headers: remoteUser(ADMIN) });
  const totals: Totals = new Map();
  const line = /^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)$/gm;
  for (const [, field, kind, value] of res.body.matchAll(line)) {
    const t = totals.get(kind!) ?? { count: 0, ms: 0 };
    if (field === 'sum') t.ms = Number(value) * 1000;
    else t.count = Number(value);
    totals.set(kind!, t);
  }
  return totals;
}

/**
 * Runs `work` and reports the collections the server made meanwhile: a tail that is GC shows as pauses
 * adding up to a share of the span's wall time, one that is not shows as none.
 */
export async function gcDuring<T>(clients: Clients, work: () => Promise<T>): Promise<{ result: T; gc: GcFigures }> {
  const before = await gcTotals(clients);
  const started = Date.now();
  const result = await work();
  const wallMs = Date.now() - started;
  const after = await gcTotals(clients);
  const delta = (kind: string): GcKind => {
    const a = after.get(kind) ?? { count: 0, ms: 0 };
    const b = before.get(kind) ?? { count: 0, ms: 0 };
    return { count: a.count - b.count, ms: Math.round((a.ms - b.ms) * 100) / 100 };
  };
  return { result, gc: { minor: delta('minor'), major: delta('major'), incremental: delta('incremental'), weakcb: delta('weakcb'), wallMs } };
}
