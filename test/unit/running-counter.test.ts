// runningCounter (apiserver/endpoints/running-counter.ts): a prom-client Counter that exports running
// counts kept elsewhere (AccessIndex.stats, the informers' and the event recorder's counts).
import { Registry } from 'prom-client';
import { runningCounter } from '../../apiserver/endpoints/running-counter.js';

describe('runningCounter', () => {
  const setup = () => {
    const registry = new Registry();
    const counts = { hit: 0, miss: 0 };
    runningCounter({
      name: 'test_views_total', help: 'Views.', labelNames: ['result'], registers: [registry],
      read: () => Object.entries(counts).map(([result, n]) => [{ result }, n] as const),
    });
    const scrape = async () => {
      const text = await registry.metrics();
      return Object.fromEntries([...text.matchAll(/^test_views_total\{result="(\w+)"\} (\S+)$/gm)].map((m) => [m[1] ?? '', Number(m[2])] as const));
    };
    return { registry, counts, scrape };
  };

  it('is a counter whose value is the count at each scrape, every label set from the first scrape on', async () => {
    const { registry, counts, scrape } = setup();
    expect(await registry.metrics()).toContain('# TYPE test_views_total counter');
    expect(await scrape()).toEqual({ hit: 0, miss: 0 });
    counts.hit = 5;
    expect(await scrape()).toEqual({ hit: 5, miss: 0 });
    counts.hit = 7;
    counts.miss = 2;
    expect(await scrape()).toEqual({ hit: 7, miss: 2 });
    expect(await scrape()).toEqual({ hit: 7, miss: 2 }); // a scrape without change adds nothing
  });

  it('never decreases: a count that went down is the new base', async () => {
    const { counts, scrape } = setup();
    counts.hit = 10;
    expect(await scrape()).toEqual({ hit: 10, miss: 0 });
    counts.hit = 4;
    expect(await scrape()).toEqual({ hit: 10, miss: 0 });
    counts.hit = 6;
    expect(await scrape()).toEqual({ hit: 12, miss: 0 });
  });
});
