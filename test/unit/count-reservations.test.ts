// The space limit's reservations in batches, without a cluster: concurrent reservations of one account read
// the live members once and write once per batch, in order; releases in the same batch free their slot for
// the reservations after them; a dry run holds nothing.
import type { LedgerEntry } from '../../storage/lease-ledger.js';
import { CountReservations } from '../../storage/reservations.js';

function memoryLedger() {
  const state = { entries: {} as Record<string, LedgerEntry<null>>, writes: 0 };
  const ledger = {
    async transact<T, R>(_name: string, decide: (entries: Record<string, LedgerEntry<T>>, now: number) => Promise<{ write?: Record<string, LedgerEntry<T>>; result: R }>): Promise<R> {
      const { write, result } = await decide({ ...state.entries } as Record<string, LedgerEntry<T>>, 1_000);
      if (write) {
        state.entries = write as unknown as Record<string, LedgerEntry<null>>;
        state.writes++;
      }
      return result;
    },
  };
  return { ledger, state };
}

describe('CountReservations in batches', () => {
  it('30 concurrent reservations at a limit of 10 with 3 members: the first 7 hold, one live read, one write', async () => {
    const { ledger, state } = memoryLedger();
    const r = new CountReservations(ledger, 60_000);
    let reads = 0;
    const existing = () => {
      reads++;
      return Promise.resolve(new Set(['a', 'b', 'c']));
    };
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => r.reserve('space-limit-acct', `s${i}`, 10, existing)));
    expect(outcomes.slice(0, 7)).toEqual(Array.from({ length: 7 }, () => ({ ok: true })));
    expect(outcomes.slice(7)).toEqual(Array.from({ length: 23 }, () => ({ ok: false, count: 10 })));
    expect(reads).toBe(1);
    expect(state.writes).toBe(1);
    expect(Object.keys(state.entries).sort()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
  });

  it('a release in the batch frees its slot for a later reservation; a dry run holds nothing', async () => {
    const { ledger, state } = memoryLedger();
    const r = new CountReservations(ledger, 60_000);
    const none = () => Promise.resolve(new Set<string>());
    expect(await r.reserve('k', 'x', 1, none)).toEqual({ ok: true });
    const [dry, released, after] = await Promise.all([r.reserve('k', 'dry', 2, none, true), r.release('k', 'x'), r.reserve('k', 'y', 1, none)]);
    expect(dry).toEqual({ ok: true });
    expect(released).toBeUndefined();
    expect(after).toEqual({ ok: true });
    expect(Object.keys(state.entries)).toEqual(['y']);
    expect(state.writes).toBe(2);
  });
});
