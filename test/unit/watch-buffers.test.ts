// Watch streams share one budget of queued bytes: beyond it, a stream that holds more than a fair share
// of the queue is cut off when it writes; readers that keep up are never cut for others' queues.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { WATCH_BUFFER_LIMIT_BYTES, WatchBufferBudget, WatchStream } from '../../apiserver/encoding/watch-stream.js';

/** A response whose socket never flushes (a client that stopped reading) until drain() is called. */
class StuckResponse extends EventEmitter {
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  status() {
    return this;
  }

  setHeader() {}
  flushHeaders() {}
  write(chunk: string) {
    this.writableLength += chunk.length;
    return false;
  }

  end() {
    this.writableEnded = true;
  }

  destroy() {
    this.destroyed = true;
  }

  drain() {
    this.writableLength = 0;
    this.emit('drain');
  }
}

interface Obj { metadata: { name: string; annotations?: Record<string, string> } }
const KiB = 1024;
const object = (bytes: number): Obj => ({ metadata: { name: 'a', annotations: { pad: 'x'.repeat(bytes) } } });

function stream(budget: WatchBufferBudget) {
  const res = new StuckResponse();
  const req = { headers: {}, query: {} } as unknown as Request;
  const s = new WatchStream<Obj>(req, res as unknown as Response, { columns: [], cells: () => [] }, { apiVersion: 'v1', kind: 'Thing' }, budget);
  const closed: string[] = [];
  s.whenClosed((reason) => closed.push(reason));
  return { s, res, closed };
}

describe('watch stream buffers', () => {
  it('cuts the stream holding more than a fair share once the total is over budget, and only that one', () => {
    const budget = new WatchBufferBudget(200 * KiB, 64 * KiB);
    const reader = stream(budget);
    const hog = stream(budget);
    const other = stream(budget);
    hog.s.send('ADDED', object(150 * KiB));
    expect(budget.total).toBeGreaterThan(150 * KiB);
    reader.s.send('ADDED', object(10 * KiB));
    reader.res.drain();
    other.s.send('ADDED', object(30 * KiB));
    expect([hog.closed, other.closed]).toEqual([[], []]);
    // Over the budget now: the hog's next write cuts it; a small queue stays.
    other.s.send('MODIFIED', object(30 * KiB));
    expect(other.closed).toEqual([]);
    hog.s.send('MODIFIED', object(1 * KiB));
    expect(hog.closed).toEqual(['slow']);
    expect(hog.res.destroyed).toBe(true);
    // Its share left the total with it.
    expect(budget.total).toBeLessThan(64 * KiB);
    reader.s.send('MODIFIED', object(1 * KiB));
    expect(reader.closed).toEqual([]);
  });

  it('a drained stream counts nothing, a closed one leaves nothing behind', () => {
    const budget = new WatchBufferBudget(1024 * KiB, 64 * KiB);
    const a = stream(budget);
    a.s.send('ADDED', object(100 * KiB));
    expect(budget.total).toBeGreaterThan(100 * KiB);
    a.res.drain();
    expect(budget.total).toBe(0);
    a.s.send('ADDED', object(10 * KiB));
    a.s.finish('done');
    expect(budget.total).toBe(0);
  });

  it('still cuts one stream past its own limit whatever the budget', () => {
    const budget = new WatchBufferBudget(1024 * 1024 * KiB, 64 * KiB);
    const a = stream(budget);
    a.s.send('ADDED', object(WATCH_BUFFER_LIMIT_BYTES + KiB));
    expect(a.closed).toEqual(['slow']);
    expect(budget.total).toBe(0);
  });
});
