// Open watches are bounded per user and in total; beyond a bound a watch is answered as kube-apiserver's
// max-in-flight and priority-and-fairness filters answer: 429, a TooManyRequests Status with
// details.retryAfterSeconds, and a Retry-After header. Whatever a watch held is released when it closes.
import type { AddressInfo } from 'node:net';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { Registry } from 'prom-client';
import { errorHandler } from '../../apiserver/chain/errors.js';
import { WatchTracker, tooManyWatches } from '../../apiserver/handlers/watch-tracker.js';
import { watchHandler } from '../../apiserver/handlers/watch.js';
import { StatusError } from '../../storage/apimachinery/errors.js';
import type { ListOptions, WatchEvent, WatchHandle, Watcher } from '../../registry/rest.js';
import { silentLogger } from '../../storage/logger.js';

const closable = () => ({ finish: () => undefined });

describe('WatchTracker limits', () => {
  it('admits up to the per-user limit, then refuses that user only', () => {
    const tracker = new WatchTracker(new Registry(), { perUser: 3, total: 10 });
    const releases = [1, 2, 3].map(() => tracker.admit('dev', closable()));
    expect(releases.every((r) => typeof r === 'function')).toBe(true);
    const refused = tracker.admit('dev', closable());
    expect(refused).toBeInstanceOf(StatusError);
    expect(typeof tracker.admit('ops', closable())).toBe('function');
    (releases[0] as () => void)();
    expect(typeof tracker.admit('dev', closable())).toBe('function');
  });

  it('refuses everyone at the total limit', () => {
    const tracker = new WatchTracker(new Registry(), { perUser: 0, total: 2 });
    tracker.admit('a', closable());
    tracker.admit('b', closable());
    const refused = tracker.admit('c', closable()) as StatusError;
    expect(refused.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 429, reason: 'TooManyRequests',
      message: 'Too many requests, please try again later: the server already has 2 watches open, the most it holds',
      details: { retryAfterSeconds: 1 },
    });
  });

  it('0 means no limit', () => {
    const tracker = new WatchTracker(new Registry(), { perUser: 0, total: 0 });
    for (let i = 0; i < 5000; i++) expect(typeof tracker.admit('dev', closable())).toBe('function');
    expect(tracker.size).toEqual({ watches: 5000, users: 1 });
  });

  it('a release counts once, and a user with no watch left is forgotten', () => {
    const tracker = new WatchTracker(new Registry(), { perUser: 2, total: 0 });
    const release = tracker.admit('dev', closable()) as () => void;
    release();
    release();
    expect(tracker.size).toEqual({ watches: 0, users: 0 });
    expect(tracker.openBy('dev')).toBe(0);
  });

  it('names the user and the per-user limit, with a bounded user name', () => {
    const message = tooManyWatches('u'.repeat(10_000), { perUser: 100, total: 2000 }, true).message;
    expect(message.startsWith('Too many requests, please try again later: user "uuu')).toBe(true);
    expect(message.endsWith('already has 100 watches open, the most one user may hold')).toBe(true);
    expect(message.length).toBeLessThan(400);
  });
});

interface Obj { apiVersion?: string; kind?: string; metadata: { name?: string; resourceVersion?: string } }

/** A storage whose watches are counted, so a test can see they were all closed. */
class FakeWatcher implements Watcher<Obj> {
  open = 0;
  started = 0;
  /** Resolves a watch only when the test says so (a watch waiting for a resourceVersion). */
  hold: Promise<void> | undefined;
  poison = false;

  async watch(_ctx: unknown, _options: ListOptions, sink: (e: WatchEvent<Obj>) => void): Promise<WatchHandle> {
    if (this.hold) await this.hold;
    this.open++;
    this.started++;
    const obj: Obj = { metadata: { name: 'a', resourceVersion: '5' } };
    if (this.poison) Object.defineProperty(obj, 'metadata', { get: () => { throw new Error('cannot encode'); } });
    sink({ type: 'ADDED', object: obj });
    return { close: () => { this.open--; } };
  }

  currentResourceVersion(): string {
    return '5';
  }
}

const options: ListOptions = {
  labelSelector: { empty: true, matches: () => true }, fieldSelector: { empty: true, matches: () => true },
  limit: 0, continueToken: '', resourceVersion: '', resourceVersionMatch: '', watch: true,
  allowWatchBookmarks: true, sendInitialEvents: undefined, timeoutSeconds: undefined,
};

async function serve(tracker: WatchTracker, storage: FakeWatcher): Promise<{ server: Server; port: number }> {
  const app = express();
  const handler = watchHandler(storage, { columns: [], cells: () => [] }, { apiVersion: 'v1', kind: 'Thing' }, tracker);
  app.get('/watch', (req: Request, res: Response, next: NextFunction) => {
    req.user = { username: typeof req.query.user === 'string' ? req.query.user : '', groups: [], extra: {} };
    void handler(req, res, next, options);
  });
  app.use(errorHandler(silentLogger));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

interface Opened { status: number; headers: Record<string, unknown>; first: string; close: () => void; ended: Promise<string> }

/** Opens a watch and resolves with its status and first line (or whole body when refused). */
function openWatch(port: number, user: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/watch?user=${user}`, agent: false }, (res) => {
      let body = '';
      let resolved = false;
      let endResolve!: (s: string) => void;
      const ended = new Promise<string>((r) => (endResolve = r));
      res.setEncoding('utf8');
      const done = () => {
        if (resolved) return;
        resolved = true;
        resolve({ status: res.statusCode!, headers: res.headers, first: body.split('\n')[0]!, close: () => req.destroy(), ended });
      };
      res.on('data', (c: string) => {
        body += c;
        if (res.statusCode === 200 && body.includes('\n')) done();
      });
      res.on('end', () => {
        done();
        endResolve(body);
      });
      res.on('error', () => endResolve(body));
    });
    req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
    req.end();
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('watch handler under limits', () => {
  it('answers the watch beyond the per-user limit with 429, Retry-After and the Status; others still watch', async () => {
    const tracker = new WatchTracker(new Registry(), { perUser: 2, total: 0 });
    const storage = new FakeWatcher();
    const { server, port } = await serve(tracker, storage);
    try {
      const mine = [await openWatch(port, 'dev'), await openWatch(port, 'dev')];
      expect(mine.map((w) => w.status)).toEqual([200, 200]);
      expect(JSON.parse(mine[0]!.first)).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });

      const refused = await openWatch(port, 'dev');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(JSON.parse(refused.first)).toMatchObject({
        kind: 'Status', status: 'Failure', code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 1 },
      });
      expect((await openWatch(port, 'ops')).status).toBe(200);

      // A closed watch gives its slot back, and its storage watch is closed.
      for (const w of mine) w.close();
      await until(() => tracker.openBy('dev') === 0);
      expect((await openWatch(port, 'dev')).status).toBe(200);
    } finally {
      tracker.closeAll();
      await new Promise((r) => server.close(r));
    }
    expect(tracker.size).toEqual({ watches: 0, users: 0 });
    expect(storage.open).toBe(0);
  });

  it('a client gone before its watch started leaves no slot, storage watch or timer behind', async () => {
    const tracker = new WatchTracker(new Registry(), { perUser: 5, total: 0 });
    const storage = new FakeWatcher();
    let release!: () => void;
    storage.hold = new Promise<void>((r) => (release = r));
    const { server, port } = await serve(tracker, storage);
    try {
      const pending = new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/watch?user=dev', agent: false }, (res) => {
          // Headers are flushed at once; the client leaves while the storage is still starting the watch.
          res.on('error', () => undefined);
          req.destroy();
          resolve();
        });
        req.on('error', () => undefined);
        req.end();
      });
      await pending;
      await until(() => tracker.openBy('dev') === 0);
      release();
      await until(() => storage.started === 1);
      // The storage watch that started after the client left was closed at once (in the same turn).
      expect(storage.open).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('an object that cannot be encoded ends that watch with an ERROR event, not the process', async () => {
    const tracker = new WatchTracker(new Registry(), { perUser: 5, total: 0 });
    const storage = new FakeWatcher();
    storage.poison = true;
    const { server, port } = await serve(tracker, storage);
    try {
      const w = await openWatch(port, 'dev');
      expect(w.status).toBe(200);
      const body = await w.ended;
      expect(JSON.parse(body.split('\n')[0]!)).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 500 } });
      await until(() => tracker.openBy('dev') === 0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('watch handler on shutdown', () => {
  it('closeAll ends a watch that asked for bookmarks with one, and frees its slot', async () => {
    const tracker = new WatchTracker(new Registry(), { perUser: 5, total: 0 });
    const storage = new FakeWatcher();
    const { server, port } = await serve(tracker, storage);
    try {
      const w = await openWatch(port, 'dev');
      tracker.closeAll();
      const lines = (await w.ended).trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { resourceVersion: string } } });
      expect(lines.map((l) => l.type)).toEqual(['ADDED', 'BOOKMARK']);
      expect(lines[1]!.object.metadata.resourceVersion).toBe('5');
      expect(tracker.size).toEqual({ watches: 0, users: 0 });
      expect(storage.open).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
