// client-go's workqueue metrics (apiserver/endpoints/workqueue-metrics.ts) as fed by storage/Workqueue:
// scripted sequences of adds, failures and re-adds, and the values a scrape then reads.
import { Registry } from 'prom-client';
import { registerWorkqueueMetrics } from '../../apiserver/endpoints/workqueue-metrics.js';
import { silentLogger } from '../../storage/logger.js';
import type { WorkqueueMetricsProvider } from '../../storage/workqueue.js';
import { Workqueue } from '../../storage/workqueue.js';
import { gate, sleep, until } from '../support/async.js';

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

/** name -> { queue -> value } for a gauge or counter; for a histogram, its _count and _sum. */
async function scrape(registry: Registry): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const s of metric.values as Sample[]) {
      const series = s.metricName ?? metric.name;
      if (series.endsWith('_bucket')) continue;
      (out[series] ??= {})[String(s.labels.name)] = s.value;
    }
  }
  return out;
}

describe('workqueue metrics', () => {
  let registry: Registry;
  let provider: WorkqueueMetricsProvider;
  const queues: Workqueue[] = [];
  const make = (name: string, handler: (key: string) => Promise<void>, options: { concurrency?: number; baseDelayMs?: number } = {}) => {
    const q = new Workqueue({ name, concurrency: 1, ...options, metrics: provider }, handler, silentLogger);
    queues.push(q);
    return q;
  };
  beforeEach(() => {
    registry = new Registry();
    provider = registerWorkqueueMetrics(registry);
  });
  afterEach(() => {
    for (const q of queues.splice(0)) q.stop();
  });

  it('registers client-go\'s names with a name label, and every series of a queue at 0 from its construction', async () => {
    expect(registry.getMetricsAsArray().map((m) => [m.name, (m as unknown as { type: string }).type]).sort()).toEqual([
      ['workqueue_adds_total', 'counter'],
      ['workqueue_depth', 'gauge'],
      ['workqueue_longest_running_processor_seconds', 'gauge'],
      ['workqueue_queue_duration_seconds', 'histogram'],
      ['workqueue_retries_total', 'counter'],
      ['workqueue_unfinished_work_seconds', 'gauge'],
      ['workqueue_work_duration_seconds', 'histogram'],
    ]);
    make('account', async () => undefined);
    const text = await registry.metrics();
    for (const series of ['workqueue_depth', 'workqueue_adds_total', 'workqueue_retries_total', 'workqueue_unfinished_work_seconds',
      'workqueue_longest_running_processor_seconds', 'workqueue_queue_duration_seconds_count', 'workqueue_work_duration_seconds_count']) {
      expect(text).toContain(`${series}{name="account"} 0\n`);
    }
    // client-go's buckets: 10 ns to 1000 s by factors of 10.
    expect(text).toContain('workqueue_work_duration_seconds_bucket{le="1e-8",name="account"} 0');
    expect(text).toContain('workqueue_work_duration_seconds_bucket{le="1000",name="account"} 0');
  });

  it('counts adds of keys not already waiting, and reads the depth when scraped', async () => {
    const q = make('account', async () => undefined);
    for (const k of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(k);
    expect(await scrape(registry)).toMatchObject({
      workqueue_depth: { account: 3 },
      workqueue_adds_total: { account: 3 },
      workqueue_retries_total: { account: 0 },
      workqueue_queue_duration_seconds_count: { account: 0 },
      workqueue_work_duration_seconds_count: { account: 0 },
    });
    q.start();
    await q.idle();
    const after = await scrape(registry);
    expect(after).toMatchObject({
      workqueue_depth: { account: 0 },
      workqueue_adds_total: { account: 3 },
      workqueue_queue_duration_seconds_count: { account: 3 },
      workqueue_work_duration_seconds_count: { account: 3 },
      workqueue_unfinished_work_seconds: { account: 0 },
      workqueue_longest_running_processor_seconds: { account: 0 },
    });
    // Nothing was processed before start(): every key waited at least as long as it took to scrape.
    expect(after.workqueue_queue_duration_seconds_sum!.account).toBeGreaterThan(0);
  });

  it('counts a key added while it is processed once, as depth until it is processed again', async () => {
    const held = gate();
    let calls = 0;
    const q = make('templateinstance', async () => {
      if (calls++ === 0) await held.promise;
    }, { concurrency: 2 });
    q.start();
    q.add('ns/x');
    q.add('ns/x');
    q.add('ns/x');
    await sleep(15);
    const during = await scrape(registry);
    expect(during).toMatchObject({
      workqueue_depth: { templateinstance: 1 },
      workqueue_adds_total: { templateinstance: 2 },
      workqueue_work_duration_seconds_count: { templateinstance: 0 },
    });
    // The key in progress shows as unfinished work and as the longest running processor.
    expect(during.workqueue_unfinished_work_seconds!.templateinstance).toBeGreaterThanOrEqual(0.01);
    // (one key in progress: the two are equal, each read at its own moment of the scrape)
    expect(during.workqueue_longest_running_processor_seconds!.templateinstance).toBeCloseTo(during.workqueue_unfinished_work_seconds!.templateinstance!, 2);
    held.open();
    await q.idle();
    expect(await scrape(registry)).toMatchObject({
      workqueue_depth: { templateinstance: 0 },
      workqueue_adds_total: { templateinstance: 2 },
      workqueue_work_duration_seconds_count: { templateinstance: 2 },
      workqueue_unfinished_work_seconds: { templateinstance: 0 },
    });
    expect(calls).toBe(2);
  });

  it('counts retries of failed keys, and each retry as an add when its backoff has passed', async () => {
    let failuresLeft = 2;
    const q = make('accountquota', async (k) => {
      if (k === 'q1' && failuresLeft-- > 0) throw new Error('conflict');
    }, { baseDelayMs: 2 });
    q.start();
    q.add('q1');
    q.add('q2');
    await until(() => q.stats.processed === 2);
    await q.idle();
    expect(await scrape(registry)).toMatchObject({
      workqueue_adds_total: { accountquota: 4 }, // q1, q2, and q1's two retries
      workqueue_retries_total: { accountquota: 2 },
      workqueue_queue_duration_seconds_count: { accountquota: 4 },
      workqueue_work_duration_seconds_count: { accountquota: 4 }, // failed attempts are work too
      workqueue_depth: { accountquota: 0 },
    });
  });

  it('keeps queues apart by name', async () => {
    const a = make('account', async () => undefined);
    const b = make('accountquota', async () => undefined);
    a.add('x');
    b.add('x');
    b.add('y');
    expect(await scrape(registry)).toMatchObject({
      workqueue_depth: { account: 1, accountquota: 2 },
      workqueue_adds_total: { account: 1, accountquota: 2 },
    });
  });

  it('a queue without a provider works as before', async () => {
    const seen: string[] = [];
    const q = new Workqueue({ name: 'plain', concurrency: 1 }, async (k) => {
      seen.push(k);
    }, silentLogger);
    queues.push(q);
    q.add('a');
    q.start();
    await q.idle();
    expect(seen).toEqual(['a']);
    expect(await registry.metrics()).not.toContain('plain');
  });
});
