import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { WatchRegistry } from './watch.js';

type Closable = { finish(reason: 'done'): void };

/** The open watches: counted for metrics (apiserver_longrunning_requests) and closed on shutdown. */
export class WatchTracker implements WatchRegistry {
  private readonly open = new Set<Closable>();

  constructor(metrics: Registry) {
    const open = this.open;
    new Gauge({
      name: 'apiserver_longrunning_requests', registers: [metrics], labelNames: ['verb', 'component'],
      help: 'Gauge of all active long-running apiserver requests broken out by verb and component.',
      collect() {
        this.set({ verb: 'WATCH', component: 'apiserver' }, open.size);
      },
    });
  }

  add(stream: Closable): () => void {
    this.open.add(stream);
    return () => this.open.delete(stream);
  }

  closeAll(): void {
    for (const s of [...this.open]) s.finish('done');
  }
}
