import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { EventRecorder } from '../../storage/events/event-recorder.js';
import { runningCounter } from './running-counter.js';

/**
 * What became of the Events the controllers recorded (prefix kiosk_), so dropped or failed ones show. The
 * counter is fed from the recorder's running counts when scraped (runningCounter).
 */
export function registerEventMetrics(metrics: Registry, events: EventRecorder): void {
  runningCounter({
    name: 'kiosk_events_total', help: 'Events by result: recorded (occurrences), created, patched (series), dropped (queue full), failed (write refused).',
    labelNames: ['result'], registers: [metrics],
    read: () => Object.entries(events.stats).map(([result, n]) => [{ result }, n] as const),
  });
  new Gauge({
    name: 'kiosk_events_queue_depth', help: 'Events waiting to be written to kube-apiserver.', registers: [metrics],
    collect() {
      this.set(events.depth);
    },
  });
}
