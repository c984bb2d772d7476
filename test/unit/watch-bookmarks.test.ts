// A watch's resume markers (storage's BOOKMARK events: where a client that has seen everything resumes, when
// the last object's own resourceVersion is not that position) reach only clients that allow bookmarks, as
// kube-apiserver sends bookmarks only to them; every other event reaches everyone, in order.
import type { AddressInfo } from 'node:net';
import { createServer, request } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { watchHandler } from '../../apiserver/handlers/watch.js';
import type { ListOptions, WatchEvent, WatchHandle, Watcher } from '../../registry/rest.js';

interface Obj { apiVersion?: string; kind?: string; metadata: { name?: string; resourceVersion?: string } }

/** Replays a grant: the object at its own version, then the marker at the grant's. */
class GrantWatcher implements Watcher<Obj> {
  watch(_ctx: unknown, _options: ListOptions, sink: (e: WatchEvent<Obj>) => void): Promise<WatchHandle> {
    sink({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'a', resourceVersion: '5' } } });
    sink({ type: 'BOOKMARK', resourceVersion: '9' });
    sink({ type: 'MODIFIED', object: { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'a', resourceVersion: '10' } } });
    return Promise.resolve({ close: () => undefined });
  }

  currentResourceVersion(): string {
    return '10';
  }
}

const options = (allowWatchBookmarks: boolean): ListOptions => ({
  labelSelector: { empty: true, matches: () => true }, fieldSelector: { empty: true, matches: () => true },
  limit: 0, continueToken: '', resourceVersion: '3', resourceVersionMatch: '', watch: true,
  // A watch of 0 seconds ends right after what storage delivered at once.
  allowWatchBookmarks, sendInitialEvents: undefined, timeoutSeconds: 0,
});

/** The events of one whole watch response. */
async function watchOnce(allowWatchBookmarks: boolean): Promise<Array<{ type: string; object: Obj }>> {
  const app = express();
  const handler = watchHandler(new GrantWatcher(), { columns: [], cells: () => [] }, { apiVersion: 'v1', kind: 'Thing' },
    { admit: () => () => undefined });
  app.get('/watch', (req: Request, res: Response, next: NextFunction) => {
    req.user = { username: 'dev', groups: [], extra: {} };
    void handler(req, res, next, options(allowWatchBookmarks));
  });
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => { r(); }));
  try {
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/watch' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => { resolve(text); });
      }).on('error', reject).end();
    });
    return body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: Obj });
  } finally {
    await new Promise<void>((r) => server.close(() => { r(); }));
  }
}

describe('watch handler: resume markers', () => {
  it('writes a marker as a BOOKMARK in its place when the client allows bookmarks', async () => {
    const events = await watchOnce(true);
    expect(events.map((e) => `${e.type}@${String(e.object.metadata.resourceVersion)}`)).toEqual(['ADDED@5', 'BOOKMARK@9', 'MODIFIED@10']);
    expect(events[1]).toEqual({ type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'Thing', metadata: { resourceVersion: '9' } } });
  });

  it('leaves markers out for a client that does not allow bookmarks', async () => {
    const events = await watchOnce(false);
    expect(events.map((e) => `${e.type}@${String(e.object.metadata.resourceVersion)}`)).toEqual(['ADDED@5', 'MODIFIED@10']);
  });
});
