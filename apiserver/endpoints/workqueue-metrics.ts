import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { WorkqueueMetrics, WorkqueueMetricsProvider, WorkqueueState } from '../../storage/workqueue.js';

/** client-go's buckets for both workqueue histograms: 10 ns to 1000 s, by factors of 10. */
const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/**
 * client-go's workqueue metrics (k8s.io/client-go/util/workqueue, with the `workqueue_` prefix
 * kube-controller-manager registers them under), labelled by queue name: the controllers' queues report
 * through the provider returned here. The gauges are read from the queues when scraped; client-go
 * refreshes them every 500 ms instead, which needs a timer for the same values.
 */
export function registerWorkqueueMetrics(metrics: Registry): WorkqueueMetricsProvider {
  /** The queues by name; two queues of one name (tests) share its series. */
  const queues = new Map<string, Set<WorkqueueState>>();
  const perQueue = <T>(fold: (states: Set<WorkqueueState>, now: number) => T, set: (name: string, value: T) => void) => {
    const now = performance.now();
    for (const [name, states] of queues) set(name, fold(states, now));
  };
  const labelNames = ['name'] as const;
  new Gauge({
    name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames, registers: [metrics],
    collect() {
      perQueue((states) => [...states].reduce((n, s) => n + s.depth, 0), (name, n) => this.set({ name }, n));
    },
  });
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames, registers: [metrics] });
  const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames, registers: [metrics] });
  const queueDuration = new Histogram({
    name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.',
    labelNames, buckets: WORKQUEUE_BUCKETS, registers: [metrics],
  });
  const workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.',
    labelNames, buckets: WORKQUEUE_BUCKETS, registers: [metrics],
  });
  new Gauge({
    name: 'workqueue_unfinished_work_seconds', labelNames, registers: [metrics],
    help: 'How many seconds of work has done that is in progress and hasn\'t been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.',
    collect() {
      perQueue((states, now) => {
        let seconds = 0;
        for (const s of states) for (const started of s.processingSince()) seconds += (now - started) / 1000;
        return seconds;
      }, (name, seconds) => this.set({ name }, seconds));
    },
  });
  new Gauge({
    name: 'workqueue_longest_running_processor_seconds', labelNames, registers: [metrics],
    help: 'How many seconds has the longest running processor for workqueue been running.',
    collect() {
      perQueue((states, now) => {
        let longest = 0;
        for (const s of states) for (const started of s.processingSince()) longest = Math.max(longest, (now - started) / 1000);
        return longest;
      }, (name, seconds) => this.set({ name }, seconds));
    },
  });

  return {
    forQueue(name: string, state: WorkqueueState): WorkqueueMetrics {
      let states = queues.get(name);
      if (!states) queues.set(name, (states = new Set()));
      states.add(state);
      // Every series of the queue exists from the start, at 0, so rate() and absent() work before its first add.
      adds.inc({ name }, 0);
      retries.inc({ name }, 0);
      queueDuration.zero({ name });
      workDuration.zero({ name });
      return {
        added: () => adds.inc({ name }),
        retried: () => retries.inc({ name }),
        started: (seconds) => queueDuration.observe({ name }, seconds),
        finished: (seconds) => workDuration.observe({ name }, seconds),
      };
    },
  };
}
