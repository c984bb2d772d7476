import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ClusterInformers } from '../../storage/informers/cluster-informers.js';
import type { AccessIndex } from '../../storage/visibility/access-index.js';
import { runningCounter } from './running-counter.js';

/**
 * Our own metrics (prefix kiosk_): the access index's size and activity, and each informer's health.
 * The counts since start (commits, views, relists, errors) are Counters, fed from the index's and the
 * informers' running counts when scraped (runningCounter).
 */
export function registerIndexMetrics(metrics: Registry, index: AccessIndex, informers: ClusterInformers): void {
  new Gauge({
    name: 'kiosk_access_index_objects', help: 'Objects held by the access index, by kind.', labelNames: ['kind'], registers: [metrics],
    collect() {
      for (const [kind, n] of Object.entries(index.sizes())) this.set({ kind }, n);
    },
  });
  runningCounter({
    name: 'kiosk_access_index_commits_total', help: 'Changes committed to the access index, by kind (object or grants).',
    labelNames: ['kind'], registers: [metrics],
    read: () => [[{ kind: 'object' }, index.stats.objectCommits], [{ kind: 'grants' }, index.stats.grantCommits]],
  });
  runningCounter({
    name: 'kiosk_access_index_views_total', help: 'Per-user views served, from cache (hit) or computed (miss).',
    labelNames: ['result'], registers: [metrics],
    read: () => [[{ result: 'hit' }, index.stats.viewHits], [{ result: 'miss' }, index.stats.viewMisses]],
  });
  new Gauge({
    name: 'kiosk_access_index_resource_version', help: 'The resourceVersion of the newest change in the access index.', registers: [metrics],
    collect() {
      this.set(index.resourceVersion);
    },
  });
  type InformerStats = ReturnType<ClusterInformers['stats']>[number];
  const informerGauge = (name: string, help: string, pick: (s: InformerStats) => number) =>
    new Gauge({
      name, help, labelNames: ['resource'], registers: [metrics],
      collect() {
        for (const s of informers.stats()) this.set({ resource: s.name }, pick(s));
      },
    });
  const informerCounter = (name: string, help: string, pick: (s: InformerStats) => number) =>
    runningCounter({
      name, help, labelNames: ['resource'], registers: [metrics],
      read: () => informers.stats().map((s) => [{ resource: s.name }, pick(s)] as const),
    });
  informerGauge('kiosk_informer_synced', 'Whether the informer has completed its initial list (1) or not (0).', (s) => (s.synced ? 1 : 0));
  informerGauge('kiosk_informer_current', 'Whether the informer is watching and not recovering from a failed list or watch (1), or reads of its objects go to kube-apiserver meanwhile (0).', (s) => (s.current ? 1 : 0));
  informerGauge('kiosk_informer_objects', 'Objects in the informer store.', (s) => s.objects);
  informerCounter('kiosk_informer_relists_total', 'Full lists completed (the first one included).', (s) => s.relists);
  informerCounter('kiosk_informer_errors_total', 'List or watch errors.', (s) => s.errors);
}
