import { performance } from 'node:perf_hooks';
import type { Identity } from './clients.js';
import { SPACES_PATH, remoteUser } from './clients.js';
import type { HttpsEndpoint } from './http.js';

interface Waiter {
  key: string;
  resolve: (at: number) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A JSON watch on spaces straight to our server, as one user. Each event's arrival is stamped with
 * performance.now() the moment its line is parsed, keyed by "TYPE name", so a measurement can ask when
 * an event came even if it came before the question was asked.
 */
export class SpaceWatch {
  private readonly arrivals = new Map<string, number>();
  private waiters: Waiter[] = [];
  private ended: Error | undefined;

  private constructor(private readonly closeStream: () => void) {}

  static async open(server: HttpsEndpoint, who: Identity, timeoutSeconds = 1800): Promise<SpaceWatch> {
    const { res, close } = await server.stream(`${SPACES_PATH}?watch=true&timeoutSeconds=${timeoutSeconds}`, remoteUser(who));
    const watch = new SpaceWatch(close);
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const at = performance.now();
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) watch.onLine(line, at);
      }
    });
    const end = (why: string) => watch.end(new Error(`watch as ${who.username} ended: ${why}`));
    res.on('end', () => end('stream closed'));
    res.on('error', (err) => end(err.message));
    return watch;
  }

  private onLine(line: string, at: number): void {
    const event = JSON.parse(line) as { type: string; object?: { metadata?: { name?: string }; message?: string } };
    if (event.type === 'ERROR') return this.end(new Error(`watch ERROR event: ${event.object?.message ?? line}`));
    const key = `${event.type} ${event.object?.metadata?.name ?? ''}`;
    if (!this.arrivals.has(key)) this.arrivals.set(key, at);
    this.waiters = this.waiters.filter((w) => {
      if (w.key !== key) return true;
      clearTimeout(w.timer);
      w.resolve(at);
      return false;
    });
  }

  private end(err: Error): void {
    if (this.ended) return;
    this.ended = err;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  /** When the event arrived (performance.now() time); waits for it at most `timeoutMs`. */
  waitFor(type: 'ADDED' | 'MODIFIED' | 'DELETED', name: string, timeoutMs = 10_000): Promise<number> {
    const key = `${type} ${name}`;
    const seen = this.arrivals.get(key);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no ${key} event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ key, resolve, reject, timer });
    });
  }

  /** Forgets recorded arrivals, so that the same event can be timed again (a namespace granted twice). */
  forget(): void {
    this.arrivals.clear();
  }

  get events(): number {
    return this.arrivals.size;
  }

  close(): void {
    this.end(new Error('closed by the benchmark'));
    this.closeStream();
  }
}
