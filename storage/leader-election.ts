import type { KubeClient } from './client.js';
import { KubeApiError } from './client.js';
import type { Logger } from './logger.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewIntervalMs: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

const micro = (d: Date) => d.toISOString().replace('Z', '000Z');

/**
 * client-go's leader election on a coordination.k8s.io Lease: a replica takes the lease when it is free
 * or its holder stopped renewing for leaseDurationSeconds, renews it every renewIntervalMs with the
 * Lease's resourceVersion as precondition, and gives up leading (stopping its controllers) as soon as a
 * renewal fails for longer than the lease lasts, so two replicas never lead at once for long.
 */
export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;

  constructor(private readonly client: KubeClient, private readonly options: LeaderElectionOptions, private readonly log: Logger,
    private readonly callbacks: { onStartedLeading(): void; onStoppedLeading(): void }) {}

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
    return name ? `${base}/${name}` : base;
  }

  /** Whether this replica holds the Lease now (read by the leader_election_master_status gauge). */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The Lease's name. */
  get name(): string {
    return this.options.name;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning; a leader releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      this.setLeading(false);
      try {
        const lease = await this.client.request<Lease>('GET', this.path(this.options.name));
        if (lease.spec?.holderIdentity === this.options.identity) {
          await this.client.request('PUT', this.path(this.options.name), {
            body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
          });
        }
      } catch (err) {
        this.log.error('could not release the leader lease', err);
      }
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.log.info(leading ? 'became the leader' : 'stopped leading', { lease: this.options.name, identity: this.options.identity });
    if (leading) this.callbacks.onStartedLeading();
    else this.callbacks.onStoppedLeading();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const acquired = await this.tryAcquireOrRenew();
      if (acquired) this.lastRenew = Date.now();
      if (acquired) this.setLeading(true);
      else if (this.leading && Date.now() - this.lastRenew > this.options.leaseDurationSeconds * 1000) this.setLeading(false);
      else if (!acquired && this.leading) this.setLeading(false);
    } catch (err) {
      this.log.error('leader election failed; retrying', err, { lease: this.options.name });
      if (this.leading && Date.now() - this.lastRenew > this.options.leaseDurationSeconds * 1000) this.setLeading(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.renewIntervalMs);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const spec = (transitions: number, acquire: boolean, previous?: Lease['spec']) => ({
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.options.leaseDurationSeconds,
      acquireTime: acquire ? micro(now) : previous?.acquireTime ?? micro(now),
      renewTime: micro(now),
      leaseTransitions: transitions,
    });
    let lease: Lease;
    try {
      lease = await this.client.request<Lease>('GET', this.path(this.options.name));
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
      try {
        await this.client.request('POST', this.path(), {
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.options.name, namespace: this.options.namespace }, spec: spec(0, true) },
        });
        return true;
      } catch (createErr) {
        if (createErr instanceof KubeApiError && createErr.statusCode === 409) return false;
        throw createErr;
      }
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const renewed = Date.parse(lease.spec?.renewTime ?? '') || 0;
    const duration = (lease.spec?.leaseDurationSeconds ?? this.options.leaseDurationSeconds) * 1000;
    const mine = holder === this.options.identity;
    if (!mine && holder !== '' && renewed + duration > now.getTime()) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1);
    try {
      await this.client.request('PUT', this.path(this.options.name), { body: { ...lease, spec: spec(transitions, !mine, lease.spec) } });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 409) return false;
      throw err;
    }
  }
}
