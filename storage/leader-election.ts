import type { KubeClient } from './client.js';
import { KubeApiError } from './kube-api-error.js';
import { LeaseObservations } from './lease-observations.js';
import type { Logger } from './logger.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewIntervalMs: number;
  /** Clocks, replaceable in tests: a monotonic one for every duration, the wall clock only for renewTime. */
  clock?: Clock;
}

export interface Clock {
  /** Milliseconds from an arbitrary origin, never going back (performance.now). */
  monotonicMs(): number;
  /** The time written into the Lease for people and tools to read. */
  wall(): Date;
}

const systemClock: Clock = { monotonicMs: () => performance.now(), wall: () => new Date() };

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
 *
 * As client-go, expiry is judged by this replica's own observation, never by comparing the holder's
 * renewTime with the local clock: the lease counts as held until leaseDurationSeconds have passed on our
 * monotonic clock since we last saw the Lease's record change. Clocks skewed between nodes (or stepped)
 * can then neither make a follower take a lease that is being renewed nor keep a dead holder's lease alive.
 */
export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;
  private inflight: Promise<void> | undefined;
  private campaigning = false;
  /** When (monotonic) the Lease's record was last seen to change. */
  private readonly observations = new LeaseObservations();
  private readonly clock: Clock;

  constructor(private readonly client: KubeClient, private readonly options: LeaderElectionOptions, private readonly log: Logger,
    private readonly callbacks: { onStartedLeading(): void; onStoppedLeading(): void }) {
    this.clock = options.clock ?? systemClock;
  }

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

  /**
   * Stops campaigning; a leader releases the lease so another replica takes over at once. A renewal in
   * flight is awaited first: it could otherwise take or renew the lease after the release.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const mayHold = this.leading || this.campaigning;
    this.setLeading(false);
    await this.inflight;
    if (!mayHold) return;
    try {
      const lease = await this.client.request<Lease>('GET', this.path(this.options.name));
      if (lease.spec?.holderIdentity === this.options.identity) {
        await this.client.request('PUT', this.path(this.options.name), {
          body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
        });
      }
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) this.log.error('could not release the leader lease', err);
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.log.info(leading ? 'became the leader' : 'stopped leading', { lease: this.options.name, identity: this.options.identity });
    if (leading) this.callbacks.onStartedLeading();
    else this.callbacks.onStoppedLeading();
  }

  private tick(): Promise<void> {
    this.inflight = this.campaign();
    return this.inflight;
  }

  private async campaign(): Promise<void> {
    if (this.stopped) return;
    this.campaigning = true;
    try {
      const acquired = await this.tryAcquireOrRenew();
      if (acquired) this.lastRenew = this.clock.monotonicMs();
      // Stopped meanwhile: stop() releases what this renewal took; leading again would restart controllers.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await; TypeScript keeps the narrowing across it
      if (this.stopped) return;
      if (acquired) this.setLeading(true);
      else if (this.leading) this.setLeading(false);
    } catch (err) {
      this.log.error('leader election failed; retrying', err, { lease: this.options.name });
      if (this.leading && this.clock.monotonicMs() - this.lastRenew > this.options.leaseDurationSeconds * 1000) this.setLeading(false);
    } finally {
      this.campaigning = false;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await; TypeScript keeps the narrowing across it
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.renewIntervalMs);
  }

  /** Records the Lease's holder record; returns when (monotonic) it was last seen to change. */
  private observe(spec: Lease['spec']): number {
    const record = JSON.stringify([spec?.holderIdentity ?? '', spec?.renewTime ?? '', spec?.acquireTime ?? '', spec?.leaseTransitions ?? 0, spec?.leaseDurationSeconds ?? 0]);
    return this.observations.observe(this.options.name, record, this.clock.monotonicMs());
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.wall();
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
    const observedAt = this.observe(lease.spec);
    const duration = (lease.spec?.leaseDurationSeconds ?? this.options.leaseDurationSeconds) * 1000;
    const mine = holder === this.options.identity;
    if (!mine && holder !== '' && observedAt + duration > this.clock.monotonicMs()) return false;
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
