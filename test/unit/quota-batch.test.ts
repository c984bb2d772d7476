// AccountQuota admission under a burst, without a cluster: 1,000 concurrent admissions of one account at a
// limit of 150 are decided in a handful of ledger writes and admit exactly 150, the rest denied with the
// usual "exceeded quota" message and holding nothing; requests for one object in one batch hold one claim;
// a dry run in a batch reserves nothing; one shed past its deadline is a 429 to retry.
import type { AdmissionDecision, AdmissionRequest } from '../../registry/admission.js';
import type { QuotaLedger } from '../../registry/accountquota/admission.js';
import { ADMISSION_DEADLINE_MS, AccountQuotaAdmission } from '../../registry/accountquota/admission.js';
import type { ReservationEntry } from '../../registry/accountquota/reservations.js';
import type { AccountQuota } from '../../registry/accountquota/types.js';
import { UsageIndex } from '../../registry/accountquota/usage-index.js';

const PODS = { group: '', resource: 'pods' };

/** LeaseLedger's contract in memory, counting the compare-and-swap writes; `hold` keeps writes in flight. */
function memoryLedger() {
  const state = { entries: {} as Record<string, ReservationEntry>, writes: 0, hold: undefined as Promise<void> | undefined };
  const ledger: QuotaLedger = {
    async transact(_name, decide) {
      const { write, result } = await decide({ ...state.entries } as never, 1_000_000);
      if (write) {
        if (state.hold) await state.hold;
        state.entries = write as unknown as Record<string, ReservationEntry>;
        state.writes++;
      }
      return result;
    },
  };
  return { ledger, state };
}

/** Lets queued callbacks run: no time passes. */
const flush = async (turns = 10) => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
};

/** A hand-driven clock for the admission deadlines. */
function manualClock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; done: boolean }> = [];
  return {
    now: () => now,
    timer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn, done: false };
      timers.push(t);
      return () => { t.done = true; };
    },
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => !x.done && x.at <= now)) {
        t.done = true;
        t.fn();
      }
    },
  };
}

function admission(hard: Record<string, string>, clock = manualClock()) {
  const usage = new UsageIndex();
  const { ledger, state } = memoryLedger();
  const batches: number[] = [];
  const quota: AccountQuota = { metadata: { name: 'q' }, spec: { account: 'acct', quota: { hard } } };
  const a = new AccountQuotaAdmission({
    accountOfNamespace: (ns) => (ns.startsWith('space') ? 'acct' : undefined),
    namespacesOf: () => Array.from({ length: 10 }, (_, i) => `space${i}`),
    quotasOf: () => [quota],
    countedKindsSynced: () => Promise.resolve(true),
    usage,
  }, ledger, undefined, { onBatch: (n) => batches.push(n), now: clock.now, timer: clock.timer });
  return { a, state, usage, batches, clock };
}

let uid = 0;
function review(name: string, namespace = 'space0', dryRun = false): AdmissionRequest {
  return {
    uid: `u${uid++}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
    namespace, name, operation: 'CREATE', userInfo: { username: 'dev' }, dryRun,
    object: { metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'x' }] } },
  };
}

const code = (d: AdmissionDecision) => (d.allowed ? 200 : d.error.code);
const message = (d: AdmissionDecision) => (d.allowed ? '' : d.error.message);

describe('AccountQuota admission in batches', () => {
  it('1,000 concurrent admissions over 10 spaces at a limit of 150: exactly 150, in a few writes', async () => {
    const { a, state, batches } = admission({ pods: '150' });
    const decisions = await Promise.all(Array.from({ length: 1_000 }, (_, i) => a.admit(review(`p${i}`, `space${i % 10}`))));
    const allowed = decisions.map((d, i) => [d, i] as const).filter(([d]) => d.allowed).map(([, i]) => i);
    // In arrival order: the first 150 fit, every later one is over.
    expect(allowed).toEqual(Array.from({ length: 150 }, (_, i) => i));
    for (const d of decisions.slice(150)) {
      expect(code(d)).toBe(403);
      expect(message(d)).toBe(`pods "${(d as { error: { details?: { name?: string } } }).error.details?.name ?? ''}" is forbidden: exceeded quota: q, requested: pods=1, used: pods=150, limited: pods=150`);
    }
    // Denials hold nothing: the ledger has exactly the admitted objects' claims.
    expect(Object.values(state.entries).map((e) => e.data.object).sort()).toEqual(allowed.map((i) => `pods./space${i % 10}/p${i}`).sort());
    expect(batches.reduce((s, n) => s + n, 0)).toBe(1_000);
    expect(state.writes).toBeLessThanOrEqual(batches.length);
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(1_000 / 256));
  });

  it('counts the informers\' usage and claims of earlier batches alike', async () => {
    const { a, usage } = admission({ pods: '3' });
    usage.set(PODS, { metadata: { name: 'running', namespace: 'space1' } }, 1);
    expect((await Promise.all([a.admit(review('a')), a.admit(review('b'))])).map(code)).toEqual([200, 200]);
    expect((await Promise.all([a.admit(review('c')), a.admit(review('d'))])).map(code)).toEqual([403, 403]);
  });

  it('one object reviewed twice in a batch holds one claim; a dry run in it reserves nothing', async () => {
    const { a, state } = admission({ pods: '2' });
    const decisions = await Promise.all([a.admit(review('same')), a.admit(review('same')), a.admit(review('dry', 'space0', true)), a.admit(review('other'))]);
    expect(decisions.map(code)).toEqual([200, 200, 200, 200]);
    expect(Object.keys(state.entries).sort()).toEqual(['pods./space0/other', 'pods./space0/same']);
    expect(code(await a.admit(review('third')))).toBe(403);
  });

  it('answers one that waited past its deadline 429 "retry", and it holds nothing', async () => {
    const { a, state, clock } = admission({ pods: '100' });
    let release!: () => void;
    state.hold = new Promise((r) => { release = r; });
    const first = a.admit(review('first'));
    await flush();
    // The first one's write is in flight (held); the next waits behind it until both deadlines pass.
    clock.advance(1);
    const behind = a.admit(review('behind'));
    await flush();
    clock.advance(ADMISSION_DEADLINE_MS);
    const shed = await behind;
    expect(code(shed)).toBe(429);
    expect(message(shed)).toBe('too many concurrent admissions in account acct; retry');
    expect(shed.allowed ? undefined : shed.error.details).toMatchObject({ retryAfterSeconds: 1 });
    state.hold = undefined;
    release();
    // The first was in flight at its deadline: its write landed, so it is admitted, not shed.
    expect(code(await first)).toBe(200);
    await flush();
    expect(Object.keys(state.entries)).toEqual(['pods./space0/first']);
  });
});
