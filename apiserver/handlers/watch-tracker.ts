import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { StatusError } from '../../storage/apimachinery/errors.js';
import { tooManyRequests } from '../../storage/apimachinery/errors.js';
import { truncate } from '../../storage/logger.js';
import type { WatchRegistry } from './watch.js';

type Closable = { finish(reason: 'done'): void };

export interface WatchLimits {
  /** Watches one user may hold open at once; 0 is no limit. */
  perUser: number;
  /** Watches all users may hold open at once; 0 is no limit. */
  total: number;
}

/**
 * Seconds a refused watch is told to wait, as kube-apiserver's max-in-flight filter answers. client-go
 * honours it (and retries a few times) before its reflector backs off on its own.
 */
const WATCH_RETRY_AFTER_SECONDS = 1;

/** The 429 a watch beyond a limit gets: upstream's words, then which limit it met. */
export function tooManyWatches(user: string, limits: WatchLimits, perUserReached: boolean): StatusError {
  const which = perUserReached
    ? `user "${truncate(user, 253)}" already has ${limits.perUser} watches open, the most one user may hold`
    : `the server already has ${limits.total} watches open, the most it holds`;
  return tooManyRequests(`Too many requests, please try again later: ${which}`, WATCH_RETRY_AFTER_SECONDS);
}

/**
 * The open watches: counted per user and in total, so that no user (and no crowd) can hold more than the
 * limits (each open watch holds a connection, its buffers and a subscription); counted for metrics
 * (apiserver_longrunning_requests; a refusal counts in apiserver_request_total with code 429); and closed on shutdown. Per-user counts are dropped at zero, so the
 * map holds only users with watches open.
 */
export class WatchTracker implements WatchRegistry {
  private readonly open = new Set<Closable>();
  private readonly perUser = new Map<string, number>();

  constructor(metrics: Registry, private readonly limits: WatchLimits = { perUser: 0, total: 0 }) {
    const open = this.open;
    new Gauge({
      name: 'apiserver_longrunning_requests', registers: [metrics], labelNames: ['verb', 'component'],
      help: 'Gauge of all active long-running apiserver requests broken out by verb and component.',
      collect() {
        this.set({ verb: 'WATCH', component: 'apiserver' }, open.size);
      },
    });
  }

  admit(user: string, stream: Closable): (() => void) | StatusError {
    const mine = this.perUser.get(user) ?? 0;
    if (this.limits.perUser > 0 && mine >= this.limits.perUser) {
      return tooManyWatches(user, this.limits, true);
    }
    if (this.limits.total > 0 && this.open.size >= this.limits.total) {
      return tooManyWatches(user, this.limits, false);
    }
    this.open.add(stream);
    this.perUser.set(user, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open.delete(stream);
      const left = (this.perUser.get(user) ?? 1) - 1;
      if (left > 0) this.perUser.set(user, left);
      else this.perUser.delete(user);
    };
  }

  /** Open watches in total and the users holding any (for tests). */
  get size(): { watches: number; users: number } {
    return { watches: this.open.size, users: this.perUser.size };
  }

  /** How many watches `user` holds open. */
  openBy(user: string): number {
    return this.perUser.get(user) ?? 0;
  }

  closeAll(): void {
    for (const s of [...this.open]) s.finish('done');
  }
}
