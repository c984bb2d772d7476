import type { KubeClient } from './client.js';
import { KubeApiError } from './client.js';

/** Where reservations live: one Lease per account in the server's namespace, written with preconditions. */
export interface ReservationOptions {
  namespace: string;
  /** How long an unreleased reservation holds (a server that died mid-create frees it after this). */
  ttlMs: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

const ANNOTATION = 'kiosk.sh/reservations';
const MAX_ATTEMPTS = 100;

export type ReserveOutcome = { ok: true } | { ok: false; count: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Race-free counting across server replicas. A count limit ("at most N spaces per account") is checked
 * and a slot reserved in one compare-and-swap on a Lease (resourceVersion precondition): concurrent
 * creators serialize on the Lease, so N slots are never exceeded, whichever replica serves them. The
 * members that already exist are read live (a consistent list), so informer lag cannot let one through.
 * A reservation is released once the member exists (or its creation failed), and expires after the TTL.
 */
export class CountReservations {
  constructor(private readonly client: KubeClient, private readonly options: ReservationOptions) {}

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
    return name ? `${base}/${encodeURIComponent(name)}` : base;
  }

  private async read(name: string): Promise<Lease> {
    try {
      return await this.client.request<Lease>('GET', this.path(name));
    } catch (err) {
      if (!(err instanceof KubeApiError) || err.statusCode !== 404) throw err;
      try {
        return await this.client.request<Lease>('POST', this.path(), {
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: this.options.namespace, labels: { 'app.kubernetes.io/name': 'kiosk' } }, spec: {} },
        });
      } catch (createErr) {
        if (createErr instanceof KubeApiError && createErr.statusCode === 409) return this.client.request<Lease>('GET', this.path(name));
        throw createErr;
      }
    }
  }

  private static live(lease: Lease, now: number): Record<string, number> {
    const all = JSON.parse(lease.metadata.annotations?.[ANNOTATION] ?? '{}') as Record<string, number>;
    return Object.fromEntries(Object.entries(all).filter(([, expires]) => expires > now));
  }

  private async write(lease: Lease, reservations: Record<string, number>): Promise<boolean> {
    const annotations = { ...(lease.metadata.annotations ?? {}), [ANNOTATION]: JSON.stringify(reservations) };
    try {
      await this.client.request('PUT', this.path(lease.metadata.name), { body: { ...lease, metadata: { ...lease.metadata, annotations } } });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 409) return false;
      throw err;
    }
  }

  /**
   * Reserves `member` under `key` if fewer than `limit` members exist or are reserved. `existing` must
   * read the current members live. With dryRun the check is made and nothing is written.
   */
  async reserve(key: string, member: string, limit: number, existing: () => Promise<Set<string>>, dryRun = false): Promise<ReserveOutcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const lease = await this.read(key);
      const now = Date.now();
      const reservations = CountReservations.live(lease, now);
      const members = await existing();
      for (const r of Object.keys(reservations)) members.add(r);
      members.delete(member);
      if (members.size >= limit) return { ok: false, count: members.size };
      if (dryRun) return { ok: true };
      reservations[member] = now + this.options.ttlMs;
      if (await this.write(lease, reservations)) return { ok: true };
      await sleep(Math.random() * Math.min(50, 5 * (attempt + 1)));
    }
    throw new Error(`could not reserve ${member} in ${key}: too much contention`);
  }

  /** Releases a reservation; a missing one is fine (expired, or released already). */
  async release(key: string, member: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const lease = await this.read(key);
      const reservations = CountReservations.live(lease, Date.now());
      if (!(member in reservations)) return;
      delete reservations[member];
      if (await this.write(lease, reservations)) return;
      await sleep(Math.random() * Math.min(50, 5 * (attempt + 1)));
    }
  }
}
