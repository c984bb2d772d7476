// The ledger batcher without a cluster: concurrent decisions on one ledger are decided in arrival order, in
// batches of one compare-and-swap each; a lost compare-and-swap re-decides the whole batch on the fresh read;
// a request past its deadline is answered "shed" and recorded nowhere; a denial holds nothing. The clock and
// the deadline timers are driven by hand, so nothing here waits on real time.
import type { LedgerEntry } from '../../storage/lease-ledger.js';
import type { BatchDecide, Transactor } from '../../storage/ledger-batcher.js';
import { LedgerBatcher } from '../../storage/ledger-batcher.js';

type Entries = Record<string, LedgerEntry<null>>;
type Result = 'allowed' | 'denied' | 'shed';

/** Lets queued callbacks (setImmediate, resolved promises) run: no time passes. */
const flush = async (turns = 5) => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
};

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((r) => { release = r; });
  return { promise, release };
}

/** A hand-driven clock with the batcher's timer contract. */
function manualClock() {
  const clock = { now: 0, timers: [] as Array<{ at: number; fn: () => void; cancelled: boolean }> };
  return {
    now: () => clock.now,
    timer: (fn: () => void, ms: number) => {
      const t = { at: clock.now + ms, fn, cancelled: false };
      clock.timers.push(t);
      return () => { t.cancelled = true; };
    },
    advance(ms: number) {
      clock.now += ms;
      for (const t of clock.timers.filter((x) => !x.cancelled && x.at <= clock.now)) {
        t.cancelled = true;
        t.fn();
      }
    },
  };
}

/**
 * LeaseLedger's contract in memory: read, decide, compare-and-swap. `interfere` runs before a write lands
 * and may change the stored entries, as another replica's write would: the write then conflicts and the
 * transaction reads again. `gate`, when set, holds each write in flight until released.
 */
function memoryLedger() {
  const state = {
    stores: {} as Record<string, Entries>, version: 0, writes: 0, conflicts: 0, decides: 0,
    interfere: undefined as ((entries: Entries) => Entries | undefined) | undefined,
    gate: undefined as Promise<void> | undefined,
  };
  const ledger: Transactor = {
    async transact<T, R>(name: string, decide: (entries: Record<string, LedgerEntry<T>>, now: number) => Promise<{ write?: Record<string, LedgerEntry<T>>; result: R }>): Promise<R> {
      for (;;) {
        const version = state.version;
        state.decides++;
        const { write, result } = await decide({ ...state.stores[name] } as Record<string, LedgerEntry<T>>, 0);
        if (!write) return result;
        if (state.gate) await state.gate;
        const other = state.interfere?.(state.stores[name] ?? {});
        if (other) {
          state.interfere = undefined;
          state.stores[name] = other;
          state.version++;
        }
        if (state.version !== version) {
          state.conflicts++;
          continue;
        }
        state.stores[name] = write as unknown as Entries;
        state.version++;
        state.writes++;
        return result;
      }
    },
  };
  return { ledger, state, entries: (name = 'acct') => state.stores[name] ?? {} };
}

const entry = (): LedgerEntry<null> => ({ data: null, createdAt: 0, expiresAt: 10_000 });

/** At most `limit` members, each request a member: admitted while there is room, in the order given. */
function limitDecider(limit: number, order?: string[]): BatchDecide<null, string, Result> {
  return (entries, _now, requests) => {
    const next = { ...entries };
    const results = requests.map((id): Result => {
      order?.push(id);
      if (Object.keys(next).length >= limit) return 'denied';
      next[id] = entry();
      return 'allowed';
    });
    return Promise.resolve({ write: Object.keys(next).length > Object.keys(entries).length ? next : undefined, results });
  };
}

function batcher(decide: BatchDecide<null, string, Result>, options: { maxBatch?: number; deadlineMs?: number } = {}) {
  const { ledger, state, entries } = memoryLedger();
  const clock = manualClock();
  const sizes: number[] = [];
  const b = new LedgerBatcher<null, string, Result>(ledger, decide, {
    maxBatch: options.maxBatch ?? 100, deadlineMs: options.deadlineMs ?? 8_000, shed: () => 'shed',
    onBatch: (n) => sizes.push(n), now: clock.now, timer: clock.timer,
  });
  return { b, state, clock, sizes, entries };
}

const ids = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('LedgerBatcher', () => {
  it('decides concurrent requests in arrival order, all in one compare-and-swap; denials hold nothing', async () => {
    const order: string[] = [];
    const { b, state, sizes, entries } = batcher(limitDecider(4, order));
    const requests = ids(10);
    const results = await Promise.all(requests.map((id) => b.submit('acct', id)));
    expect(order).toEqual(requests);
    expect(results).toEqual([...Array<Result>(4).fill('allowed'), ...Array<Result>(6).fill('denied')]);
    expect(sizes).toEqual([10]);
    expect(state.writes).toBe(1);
    expect(Object.keys(entries()).sort()).toEqual(requests.slice(0, 4));
  });

  it('queues what arrives while a batch is in flight and decides it as the next batch, one write each', async () => {
    const { b, state, sizes } = batcher(limitDecider(100));
    const gate = deferred();
    state.gate = gate.promise;
    const first = b.submit('acct', 'first');
    await flush();
    // The first batch is in flight (its write held): these wait for it, then go together.
    const rest = ids(20).map((id) => b.submit('acct', id));
    await flush();
    expect(b.depth('acct')).toBe(20);
    state.gate = undefined;
    gate.release();
    expect(await first).toBe('allowed');
    expect(await Promise.all(rest)).toEqual(Array<Result>(20).fill('allowed'));
    expect(sizes).toEqual([1, 20]);
    expect(state.writes).toBe(2);
    expect(state.conflicts).toBe(0);
  });

  it('bounds a batch at maxBatch, keeping the order across batches', async () => {
    const order: string[] = [];
    const { b, state, sizes } = batcher(limitDecider(7, order), { maxBatch: 4 });
    const requests = ids(10);
    const results = await Promise.all(requests.map((id) => b.submit('acct', id)));
    expect(sizes).toEqual([4, 4, 2]);
    expect(state.writes).toBe(2); // the third batch admits nothing and writes nothing
    expect(order).toEqual(requests);
    expect(results.filter((r) => r === 'allowed')).toHaveLength(7);
    expect(results.slice(0, 7)).toEqual(Array<Result>(7).fill('allowed'));
  });

  it('keeps separate ledgers in separate batches', async () => {
    const { b, sizes, entries } = batcher(limitDecider(1));
    const results = await Promise.all([b.submit('a', 'x'), b.submit('b', 'y'), b.submit('a', 'z')]);
    expect(results).toEqual(['allowed', 'allowed', 'denied']);
    expect(sizes.sort()).toEqual([1, 2]);
    expect(Object.keys(entries('a'))).toEqual(['x']);
    expect(Object.keys(entries('b'))).toEqual(['y']);
  });

  it('re-reads and re-decides the whole batch when another replica wins the compare-and-swap', async () => {
    const { b, state, entries } = batcher(limitDecider(5));
    // Another replica's batch lands first, taking three of the five places.
    state.interfere = () => ({ other1: entry(), other2: entry(), other3: entry() });
    const requests = ids(4);
    const results = await Promise.all(requests.map((id) => b.submit('acct', id)));
    expect(state.conflicts).toBe(1);
    expect(state.decides).toBe(2);
    expect(state.writes).toBe(1);
    expect(results).toEqual(['allowed', 'allowed', 'denied', 'denied']);
    expect(Object.keys(entries()).sort()).toEqual(['other1', 'other2', 'other3', 'r000', 'r001']);
  });

  it('sheds a waiting request at its deadline, at once, and never records it', async () => {
    const { b, state, clock, entries } = batcher(limitDecider(100), { deadlineMs: 8_000 });
    const gate = deferred();
    state.gate = gate.promise;
    const inFlight = b.submit('acct', 'in-flight');
    await flush();
    clock.advance(1_000);
    const waiting = ids(3).map((id) => b.submit('acct', id));
    await flush();
    // The first request's deadline passes while its write is in flight: it waits for the write's outcome.
    // The waiting ones reach theirs (1 s later) and are answered at once, the write still held.
    clock.advance(7_000);
    let inFlightAnswered = false;
    void inFlight.then(() => { inFlightAnswered = true; });
    clock.advance(1_000);
    expect(await Promise.all(waiting)).toEqual(['shed', 'shed', 'shed']);
    await flush();
    expect(inFlightAnswered).toBe(false);
    state.gate = undefined;
    gate.release();
    expect(await inFlight).toBe('allowed');
    await flush();
    expect(Object.keys(entries())).toEqual(['in-flight']);
    expect(b.depth('acct')).toBe(0);
  });

  it('sheds on the re-decide a request whose deadline passed during a lost compare-and-swap', async () => {
    const { b, state, clock, entries } = batcher(limitDecider(100), { deadlineMs: 8_000 });
    const gate = deferred();
    state.gate = gate.promise;
    const early = b.submit('acct', 'early');
    clock.advance(5_000);
    const late = b.submit('acct', 'late');
    await flush();
    // Both are in the batch's write; the clock passes the first one's deadline, then the write conflicts.
    clock.advance(3_500);
    state.interfere = () => ({ other: entry() });
    state.gate = undefined;
    gate.release();
    expect(await early).toBe('shed');
    expect(await late).toBe('allowed');
    expect(state.decides).toBe(2);
    expect(Object.keys(entries()).sort()).toEqual(['late', 'other']);
  });

  it('fails every request of a batch whose transaction fails, and goes on with the next batch', async () => {
    let fail = true;
    const decide: BatchDecide<null, string, Result> = (entries, now, requests) => {
      if (fail) {
        fail = false;
        return Promise.reject(new Error('ledger unreachable'));
      }
      return limitDecider(10)(entries, now, requests);
    };
    const { b, entries } = batcher(decide);
    const failed = await Promise.allSettled(ids(3).map((id) => b.submit('acct', id)));
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await b.submit('acct', 'after')).toBe('allowed');
    expect(Object.keys(entries())).toEqual(['after']);
  });
});
