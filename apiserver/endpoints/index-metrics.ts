import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ClusterInformers } from '../../storage/informers/cluster-informers.js';
import type { AccessIndex } from '../../storage/visibility/access-index.js';

/** Our own metrics (prefix kiosk_): the access index's size and activity, and each informer's health. */
export function registerIndexMetrics(metrics: Registry, index: AccessIndex, informers: ClusterInformers): void {
  new Gauge({
    name: 'kiosk_access_index_objects', help: 'Objects held by the access index, by kind.', labelNames: ['kind'], registers: [metrics],
    collect() {
      for (const [kind, n] of Object.entries(index.sizes())) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'kiosk_access_index_commits', help: 'Changes committed to the access index since start, by kind (object or grants).',
    labelNames: ['kind'], registers: [metrics],
    collect() {
      this.set({ kind: 'object' }, index.stats.objectCommits);
      this.set({ kind: 'grants' }, index.stats.grantCommits);
    },
  });
  new Gauge({
    name: 'kiosk_access_index_views', help: 'Per-user views served since start, from cache (hit) or computed (miss).',
    labelNames: ['result'], registers: [metrics],
    collect() {
      this.set({ result: 'hit' }, index.stats.viewHits);
      this.set({ result: 'miss' }, index.stats.viewMisses);
    },
  });
  new Gauge({
    name: 'kiosk_access_index_resource_version', help: 'The resourceVersion of the newest change in the access index.', registers: [metrics],
    collect() {
      this.set(index.resourceVersion);
    },
  });
  const informerGauge = (name: string, help: string, pick: (s: ReturnType<ClusterInformers['stats']>[number]) => number) =>
    new Gauge({
      name, help, labelNames: ['resource'], registers: [metrics],
      collect() {
        for (const s of informers.stats()) this.set({ resource: s.name }, pick(s));
      },
    });
  informerGauge('kiosk_informer_synced', 'Whether the informer has completed its initial list (1) or not (0).', (s) => (s.synced ? 1 : 0));
  informerGauge('kiosk_informer_objects', 'Objects in the informer store.', (s) => s.objects);
  informerGauge('kiosk_informer_relists', 'Full lists since start (the first one included).', (s) => s.relists);
  informerGauge('kiosk_informer_errors', 'List or watch errors since start.', (s) => s.errors);
}
