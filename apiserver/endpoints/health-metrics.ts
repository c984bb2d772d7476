import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { HealthCheck } from './health.js';
import { passes } from './health.js';

/**
 * component-base's `kubernetes_healthcheck{name, type}` (kube-apiserver exposes it too): 1 while the check
 * passes, 0 while it fails, for every check of /livez and /readyz. Prometheus' `up` says a replica answers
 * scrapes; this says whether it would be sent traffic, and which check keeps it out. Read when scraped, with
 * the same checks the endpoints run.
 */
export function registerHealthMetrics(metrics: Registry, checks: { livez: () => HealthCheck[]; readyz: () => HealthCheck[] }): void {
  new Gauge({
    name: 'kubernetes_healthcheck', labelNames: ['name', 'type'], registers: [metrics],
    help: 'This metric records the result of a single healthcheck.',
    collect() {
      for (const [type, list] of Object.entries(checks)) {
        for (const c of list()) this.set({ name: c.name, type }, passes(c) ? 1 : 0);
      }
    },
  });
}
