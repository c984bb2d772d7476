import type { NextFunction, Request, Response } from 'express';
import { StatusError, toStatusError } from '../../registry/errors.js';
import type { ObjectMeta } from '../../registry/object-meta.js';
import type { ListOptions, Watcher } from '../../registry/rest.js';
import type { TableConvertor } from '../../registry/table-convertor.js';
import { WatchStream } from '../encoding/watch-stream.js';
import { requestContext } from './context.js';

/** genericapiserver's default watch length when the client sets none: random in [30, 60) minutes. */
const defaultTimeoutSeconds = () => 1800 + Math.floor(Math.random() * 1800);
/** How often an idle watch that asked for bookmarks gets one (kube-apiserver: about a minute). */
const BOOKMARK_INTERVAL_MS = 60_000;

export interface WatchRegistry {
  /** Open watch streams, so shutdown can close them and metrics can count them. */
  add(stream: { finish(reason: 'done'): void }): () => void;
}

/**
 * A watch over HTTP: headers first, then replayed or initial events, then live events until the timeout,
 * the client leaving or shutdown. Errors found after the stream started travel as an ERROR event, as in
 * kube-apiserver (a resourceVersion too old gives Expired, which clients answer by relisting).
 */
export function watchHandler<T extends { apiVersion?: string; kind?: string; metadata: ObjectMeta }>(storage: Watcher<T>,
  convertor: TableConvertor<T>, kind: { apiVersion: string; kind: string }, registry: WatchRegistry) {
  return async (req: Request, res: Response, next: NextFunction, options: ListOptions) => {
    let stream: WatchStream<T>;
    try {
      stream = new WatchStream<T>(req, res, convertor, kind);
    } catch (err) {
      return next(err);
    }
    let watching = false;
    // On shutdown a watch that asked for bookmarks gets one at the current resourceVersion before the
    // stream ends (as kube-apiserver does since 1.27), so the client resumes on another replica from
    // exactly there instead of replaying or relisting.
    const unregister = registry.add({
      finish: (reason) => {
        if (watching && options.allowWatchBookmarks) stream.bookmark(storage.currentResourceVersion());
        stream.finish(reason);
      },
    });
    const timers: NodeJS.Timeout[] = [];
    stream.whenClosed(() => {
      unregister();
      timers.forEach(clearTimeout);
      timers.forEach(clearInterval);
    });
    stream.start();
    try {
      const handle = await storage.watch(requestContext(req, res), options, (event) => stream.send(event.type, event.object));
      stream.whenClosed(() => handle.close());
      if (stream.isClosed) handle.close();
      watching = true;
      if (options.sendInitialEvents) stream.bookmark(storage.currentResourceVersion(), true);
      if (options.allowWatchBookmarks) timers.push(setInterval(() => stream.bookmark(storage.currentResourceVersion()), BOOKMARK_INTERVAL_MS));
      timers.push(setTimeout(() => stream.finish('done'), (options.timeoutSeconds ?? defaultTimeoutSeconds()) * 1000));
    } catch (err) {
      const status = err instanceof StatusError ? err : toStatusError(err);
      stream.error(status);
    }
  };
}
