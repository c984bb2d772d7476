import type { KubeClient } from '../client.js';
import { KubeApiError } from '../kube-api-error.js';
import type { Informer, KubeObject } from '../informers/informer.js';
import type { CollectionName } from './history.js';

/**
 * What reads need to know about the informers behind the index, to never answer from a store that an
 * outage left behind (kube-apiserver restarting, a CRD's storage warming up): a GET then reads through to
 * kube-apiserver, and a list waits until the watches are open again, as kube-apiserver's watch cache
 * makes reads wait while it (re)initializes.
 */
export interface ReadConsistency {
  /** Every watch open, and none recovering from a failure: the index is as current as watches make it. */
  current(): boolean;
  /** Every informer listed and watching (possibly still replaying what it missed). */
  connected(): boolean;
  /** Resolves true once connected() (cutting retry back-offs short), false after timeoutMs or on abort. */
  waitConnected(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** The object as kube-apiserver has it now (undefined: it does not exist), read with the server's identity. */
  readLive(collection: CollectionName, name: string): Promise<KubeObject | undefined>;
}

const LIVE_PATHS: Record<CollectionName, string> = {
  namespaces: '/api/v1/namespaces',
  accounts: '/apis/config.kiosk.sh/v1alpha1/accounts',
};

/**
 * How often a waiting read re-checks: to end the wait at its deadline, and to cut short again the back-off of
 * an informer whose retry failed meanwhile (retryNow wakes only a back-off already sleeping).
 */
const RECHECK_MS = 100;

/** ReadConsistency over the informers that feed the index. */
export class InformerReadConsistency implements ReadConsistency {
  constructor(private readonly informers: ReadonlyArray<Informer<KubeObject>>, private readonly client: KubeClient) {}

  current(): boolean {
    const now = Date.now();
    return this.informers.every((i) => i.isCurrent(now));
  }

  connected(): boolean {
    return this.informers.every((i) => i.isConnected());
  }

  waitConnected(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.connected()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      const check = () => {
        if (this.connected()) {
          done(true);
          return undefined;
        }
        if (Date.now() >= deadline || signal?.aborted) {
          done(false);
          return undefined;
        }
        for (const i of this.informers) if (!i.isConnected()) i.retryNow();
        return undefined;
      };
      const done = (ok: boolean) => {
        clearInterval(timer);
        for (const unsubscribe of unsubscribes) unsubscribe();
        signal?.removeEventListener('abort', check);
        resolve(ok);
      };
      const timer = setInterval(check, RECHECK_MS);
      const unsubscribes = this.informers.map((i) => i.onStateChange(check));
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  async readLive(collection: CollectionName, name: string): Promise<KubeObject | undefined> {
    try {
      // Whole, managedFields included, as the informers of these collections keep it.
      return await this.client.request<KubeObject>('GET', `${LIVE_PATHS[collection]}/${encodeURIComponent(name)}`);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }
}
