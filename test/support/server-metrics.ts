// The metrics the server really registers: the registry of the real object graph, built by buildServer() over a
// client that points nowhere. Nothing connects: building starts nothing (see build-server.test.ts), and no
// request is served. The dashboard, docs and PrometheusRule tests check what they query against it.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { buildServer } from '../../apiserver/build-server.js';
import { defaultOptions } from '../../apiserver/options.js';
import type { ServerOptions } from '../../apiserver/options.js';
import { KubeClient } from '../../storage/client.js';
import { nowhere } from './nowhere-credentials.js';
import { silentLogger } from '../../storage/logger.js';

export interface MetricInfo {
  type: string;
  labels: string[];
}

/**
 * The server's /metrics registry, as buildServer() fills it, with the default metrics its start() adds (the
 * one registration start() makes: their event-loop delay monitor runs on a timer, so it waits for start).
 */
export function serverRegistry(options: ServerOptions = defaultOptions): Registry {
  const { metrics } = buildServer(options, new KubeClient(nowhere), silentLogger);
  collectDefaultMetrics({ register: metrics });
  return metrics;
}

/** Each registered metric's type and (sorted) label names. */
export function metricInfo(registry: Registry): Map<string, MetricInfo> {
  const out = new Map<string, MetricInfo>();
  for (const m of registry.getMetricsAsArray() as unknown as Array<{ name: string; type: string; labelNames?: readonly string[] }>) {
    out.set(m.name, { type: m.type, labels: [...(m.labelNames ?? [])].sort() });
  }
  return out;
}

/** The names of prom-client's default metrics (process_*, nodejs_*). */
export function defaultMetricNames(): Set<string> {
  const r = new Registry();
  collectDefaultMetrics({ register: r });
  return new Set(r.getMetricsAsArray().map((m) => m.name));
}

/** The registered metric a series name belongs to: itself, or the histogram of a _bucket/_sum/_count series. */
export function registeredMetricOf(registered: ReadonlyMap<string, MetricInfo>, series: string): string | undefined {
  if (registered.has(series)) return series;
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (!m) return undefined;
  const base = registered.get(m[1]!);
  if (base?.type === 'histogram' || (base?.type === 'summary' && m[2] !== 'bucket')) return m[1];
  return undefined;
}
