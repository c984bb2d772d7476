import { createLogger, silentLogger } from '../../storage/logger.js';
import { Workqueue } from '../../storage/workqueue.js';
import { gate, sleep, until } from '../support/async.js';

describe('Workqueue', () => {
  const queues: Workqueue[] = [];
  const make = (options: Partial<ConstructorParameters<typeof Workqueue>[0]>, handler: (key: string) => Promise<void>,
    log = silentLogger) => {
    const q = new Workqueue({ name: 'test', concurrency: 1, ...options }, handler, log);
    queues.push(q);
    return q;
  };
  afterEach(() => {
    for (const q of queues.splice(0)) q.stop();
  });

  it.each<[string, string[], string[]]>([
    ['one key added many times', ['a', 'a', 'a'], ['a']],
    ['keys keep their first position', ['a', 'b', 'a', 'c', 'b', 'a'], ['a', 'b', 'c']],
    ['distinct keys', ['x', 'y', 'z'], ['x', 'y', 'z']],
  ])('de-duplicates keys while they wait: %s', async (_name, adds, processed) => {
    const seen: string[] = [];
    const q = make({}, async (k) => {
      seen.push(k);
    });
    for (const k of adds) q.add(k);
    expect(q.depth).toBe(processed.length);
    q.start();
    await q.idle();
    expect(seen).toEqual(processed);
    expect(q.stats).toEqual({ processed: processed.length, failed: 0, retries: 0 });
  });

  it('processes a key again when it is added while being processed, once however often', async () => {
    const first = gate();
    const seen: string[] = [];
    let calls = 0;
    const q = make({ concurrency: 4 }, async (k) => {
      seen.push(k);
      if (k === 'a' && calls++ === 0) await first.promise;
    });
    q.start();
    q.add('a');
    expect(seen).toEqual(['a']);
    q.add('a');
    q.add('a');
    q.add('b');
    await until(() => seen.length === 2);
    expect(seen).toEqual(['a', 'b']); // 'a' is not processed twice at once, even with spare workers
    first.open();
    await q.idle();
    expect(seen).toEqual(['a', 'b', 'a']);
    expect(q.stats.processed).toBe(3);
  });

  it('never processes one key twice at once and honours the concurrency', async () => {
    const inFlight = new Set<string>();
    let maxInFlight = 0;
    const overlaps: string[] = [];
    const counts = new Map<string, number>();
    const q = make({ concurrency: 3 }, async (k) => {
      if (inFlight.has(k)) overlaps.push(k);
      inFlight.add(k);
      maxInFlight = Math.max(maxInFlight, inFlight.size);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      await sleep(1 + (k.charCodeAt(0) % 3));
      inFlight.delete(k);
    });
    q.start();
    for (let round = 0; round < 20; round++) {
      for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
      await sleep(1);
    }
    await q.idle();
    expect(overlaps).toEqual([]);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThan(1);
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(counts.get(k)).toBeGreaterThan(0);
  });

  it('retries a failing key with exponential backoff, capped, and resets it on success', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    let failuresLeft = 4;
    let successes = 0;
    const q = make({ baseDelayMs: 5, maxDelayMs: 30 }, async (k) => {
      if (k === 'x' && failuresLeft-- > 0) throw new Error(`boom ${failuresLeft}`);
      successes++;
    }, log);
    q.start();
    const started = Date.now();
    q.add('x');
    await until(() => successes === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 + 10 + 20 + 30 - 5); // timers may fire a little early
    expect(lines.map((l) => [l.key, l.attempts, l.retryInMs, l.err])).toEqual([
      ['x', 1, 5, 'boom 3'], ['x', 2, 10, 'boom 2'], ['x', 3, 20, 'boom 1'], ['x', 4, 30, 'boom 0'],
    ]);
    expect(lines.every((l) => l.queue === 'test' && l.msg === 'reconcile failed; retrying')).toBe(true);
    expect(q.stats).toEqual({ processed: 1, failed: 4, retries: 4 });

    // After a success the backoff starts over.
    failuresLeft = 1;
    q.add('x');
    await until(() => successes === 2);
    expect(lines.at(-1)).toMatchObject({ key: 'x', attempts: 1, retryInMs: 5 });
  });

  it('keeps backoffs per key', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    const failures = new Map([['a', 2], ['b', 1]]);
    const done = new Set<string>();
    const q = make({ baseDelayMs: 3, concurrency: 2 }, async (k) => {
      const left = failures.get(k) ?? 0;
      if (left > 0) {
        failures.set(k, left - 1);
        throw new Error('no');
      }
      done.add(k);
    }, log);
    q.start();
    q.add('a');
    q.add('b');
    await until(() => done.size === 2);
    expect(lines.filter((l) => l.key === 'a').map((l) => l.retryInMs)).toEqual([3, 6]);
    expect(lines.filter((l) => l.key === 'b').map((l) => l.retryInMs)).toEqual([3]);
  });

  it('idle() resolves at once when there is nothing to do, and after all work otherwise', async () => {
    const q = make({ concurrency: 2 }, async () => {
      await sleep(3);
    });
    await q.idle();
    q.add('a');
    let idle = false;
    const waiting = q.idle().then(() => {
      idle = true;
    });
    await sleep(10);
    expect(idle).toBe(false); // not started: the key is still queued
    q.start();
    q.add('b');
    q.add('c');
    await waiting;
    expect(q.stats.processed).toBe(3);
    expect(q.depth).toBe(0);
  });

  it('idle() waits for the re-processing of a key added while it was processed', async () => {
    const held = gate();
    const seen: string[] = [];
    const q = make({}, async (k) => {
      seen.push(k);
      if (seen.length === 1) await held.promise;
    });
    q.start();
    q.add('a');
    q.add('a');
    const idle = q.idle();
    held.open();
    await idle;
    expect(seen).toEqual(['a', 'a']);
  });

  it('stop() cancels pending retries', async () => {
    let calls = 0;
    const q = make({ baseDelayMs: 10 }, async () => {
      calls++;
      throw new Error('always');
    });
    q.start();
    q.add('x');
    await until(() => q.stats.failed === 1);
    expect(calls).toBe(1);
    q.stop();
    await sleep(40);
    expect(calls).toBe(1);
  });

  it('a key added during its backoff is processed at once', async () => {
    let calls = 0;
    const q = make({ baseDelayMs: 10_000 }, async () => {
      if (calls++ === 0) throw new Error('first');
    });
    q.start();
    q.add('x');
    await until(() => q.stats.failed === 1);
    q.add('x');
    await until(() => q.stats.processed === 1);
    expect(calls).toBe(2);
    expect(q.stats).toMatchObject({ processed: 1, failed: 1 });
  });
});
