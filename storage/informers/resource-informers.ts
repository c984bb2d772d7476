import type { GroupResource } from '../apimachinery/group-version.js';
import type { KubeClient } from '../client.js';
import type { Logger } from '../logger.js';
import type { InformerHandlers, KubeObject } from './informer.js';
import { Informer } from './informer.js';

const keyOf = (gr: GroupResource) => `${gr.resource}.${gr.group}`;

/**
 * Informers started on demand for the resource types quotas name (pods, services, count/widgets.example.com,
 * ...), so the server watches only what some quota counts. A non-core group's version is taken from
 * discovery (its preferred version). Handlers registered with onEvent see every type's events.
 */
export class ResourceInformers {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly starting = new Map<string, Promise<Informer<KubeObject> | undefined>>();
  private readonly handlers: Array<(gr: GroupResource) => InformerHandlers<KubeObject>> = [];
  private running = false;

  constructor(private readonly client: KubeClient, private readonly log: Logger) {}

  onEvent(handlers: (gr: GroupResource) => InformerHandlers<KubeObject>): void {
    this.handlers.push(handlers);
  }

  start(): void {
    this.running = true;
  }

  /** The informer for a type, starting it the first time; undefined for a type the cluster does not serve. */
  ensure(gr: GroupResource): Promise<Informer<KubeObject> | undefined> {
    const key = keyOf(gr);
    const existing = this.informers.get(key);
    if (existing) return Promise.resolve(existing);
    let pending = this.starting.get(key);
    if (!pending) {
      pending = this.create(gr);
      this.starting.set(key, pending);
    }
    return pending;
  }

  private async create(gr: GroupResource): Promise<Informer<KubeObject> | undefined> {
    let path: string;
    if (gr.group === '') {
      path = `/api/v1/${gr.resource}`;
    } else {
      try {
        const group = await this.client.request<{ preferredVersion?: { groupVersion: string } }>('GET', `/apis/${gr.group}`);
        if (!group.preferredVersion) return undefined;
        path = `/apis/${group.preferredVersion.groupVersion}/${gr.resource}`;
      } catch (err) {
        this.log.error('cannot find the version of a resource a quota counts', err, { resource: keyOf(gr) });
        this.starting.delete(keyOf(gr));
        return undefined;
      }
    }
    const informer = new Informer<KubeObject>(this.client, { name: keyOf(gr), path }, this.log);
    for (const h of this.handlers) informer.addHandlers(h(gr));
    this.informers.set(keyOf(gr), informer);
    if (this.running) informer.start();
    return informer;
  }

  get(gr: GroupResource): Informer<KubeObject> | undefined {
    return this.informers.get(keyOf(gr));
  }

  /** True when every informer started so far has synced. */
  synced(): boolean {
    return [...this.informers.values()].every((i) => i.synced());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
