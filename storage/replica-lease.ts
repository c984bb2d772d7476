import { createHash } from 'node:crypto';
import type { KubeClient } from './client.js';
import { KubeApiError } from './kube-api-error.js';
import { LeaseObservations } from './lease-observations.js';
import type { Logger } from './logger.js';

export interface ReplicaLeaseOptions {
  namespace: string;
  identity: string;
  leaseDurationSeconds: number;
  renewIntervalMs: number;
}

interface Lease {
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

/** The label on every replica's own Lease (as kube-apiserver's `apiserver.kubernetes.io/identity`). */
const REPLICA_LEASE_LABEL = 'kiosk.sh/replica-identity';

/** Leases of replicas dead this long are deleted by the next replica that starts (kube-apiserver: 1 h). */
const GARBAGE_AFTER_MS = 3_600_000;

const micro = (d: Date) => d.toISOString().replace('Z', '000Z');

/** A replica's Lease name: identities hold characters names may not (`host_pid`), so a hash of it. */
export const replicaLeaseName = (identity: string) => `kiosk-replica-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;

/**
 * Each replica's own Lease, renewed while it runs and deleted when it stops cleanly — the pattern of
 * kube-apiserver's identity Leases — so that the others can tell whether a create request it was running
 * can still finish. Whether another replica is alive is judged as client-go's leader elector judges a
 * holder: by when *this* process saw its renewTime change, never by comparing renewTime with the local
 * clock (clocks may be skewed).
 */
export class ReplicaLease {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Per replica identity: when its renewTime was last seen to change. */
  private readonly observed = new LeaseObservations();

  constructor(private readonly client: KubeClient, private readonly options: ReplicaLeaseOptions, private readonly log: Logger,
    private readonly now: () => number = Date.now) {}

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
    return name ? `${base}/${name}` : base;
  }

  start(): void {
    this.stopped = false;
    void this.renew().then(() => this.collectGarbage());
  }

  /** Deletes this replica's Lease: the others know at once that its creates are over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      await this.client.request('DELETE', this.path(replicaLeaseName(this.options.identity)));
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) this.log.error('could not delete the replica lease', err);
    }
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const name = replicaLeaseName(this.options.identity);
    try {
      await this.client.request('PATCH', this.path(name), {
        contentType: 'application/apply-patch+yaml', query: { fieldManager: 'kiosk', force: 'true' },
        body: {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
          metadata: { name, namespace: this.options.namespace, labels: { [REPLICA_LEASE_LABEL]: 'true', 'app.kubernetes.io/name': 'kiosk' } },
          spec: { holderIdentity: this.options.identity, leaseDurationSeconds: this.options.leaseDurationSeconds, renewTime: micro(new Date(this.now())) },
        },
      });
    } catch (err) {
      this.log.error('renewing the replica lease failed; retrying', err);
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await; TypeScript keeps the narrowing across it
    if (!this.stopped) this.timer = setTimeout(() => void this.renew(), this.options.renewIntervalMs);
  }

  /**
   * Whether the replica with this identity runs: its Lease exists and its renewTime changed within the
   * lease duration of our first seeing the current value. A missing Lease is a replica that stopped (or
   * whose Lease was collected). A replica judged dead has its Lease deleted.
   */
  async alive(identity: string): Promise<{ alive: boolean; recheckInMs?: number }> {
    if (identity === this.options.identity) return { alive: !this.stopped };
    const name = replicaLeaseName(identity);
    let lease: Lease;
    try {
      lease = await this.client.request<Lease>('GET', this.path(name));
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return { alive: false };
      throw err;
    }
    if (lease.spec?.holderIdentity !== identity) return { alive: false };
    const renewTime = lease.spec.renewTime ?? '';
    const duration = (lease.spec.leaseDurationSeconds ?? this.options.leaseDurationSeconds) * 1000;
    const now = this.now();
    const left = this.observed.observe(identity, renewTime, now) + duration - now;
    if (left > 0) return { alive: true, recheckInMs: left + 500 };
    this.observed.forget(identity);
    await this.remove(lease);
    return { alive: false };
  }

  private async remove(lease: Lease): Promise<void> {
    try {
      await this.client.request('DELETE', this.path(lease.metadata.name), {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: lease.metadata.resourceVersion } },
      });
    } catch (err) {
      // Renewed in between (409), or gone already (404): either way nothing to collect.
      if (!(err instanceof KubeApiError && (err.statusCode === 404 || err.statusCode === 409))) this.log.error('could not delete a dead replica lease', err);
    }
  }

  /**
   * Replicas killed without stopping leave their Lease behind; the next replica to start deletes those not
   * renewed for an hour, and starts observing the others (as kube-apiserver collects its identity Leases; an hour dwarfs any clock skew).
   */
  private async collectGarbage(): Promise<void> {
    try {
      const list = await this.client.request<{ items: Lease[] }>('GET', this.path(), { query: { labelSelector: `${REPLICA_LEASE_LABEL}=true` } });
      for (const lease of list.items) {
        const holder = lease.spec?.holderIdentity ?? '';
        if (holder === this.options.identity) continue;
        const renewed = Date.parse(lease.spec?.renewTime ?? '') || 0;
        if (renewed + GARBAGE_AFTER_MS < this.now()) {
          await this.remove(lease);
        } else if (holder && !this.observed.has(holder)) {
          // Observed from start-up on: by the time this replica leads (a leader lease later), a replica
          // killed before it started is already known dead, and its creates are finished without delay.
          this.observed.observe(holder, lease.spec?.renewTime ?? '', this.now());
        }
      }
    } catch (err) {
      this.log.error('collecting dead replica leases failed', err);
    }
  }
}
