import type { NextFunction, Request, Response } from 'express';
import { StatusError, toStatusError } from '../../storage/apimachinery/errors.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { ListOptions, Watcher } from '../../registry/rest.js';
import type { TableConvertor } from '../../registry/table-convertor.js';
import { WatchStream } from '../encoding/watch-stream.js';
import { requestContext } from './context.js';

/** genericapiserver's default watch length when the client sets none: random in [30, 60) minutes. */
const defaultTimeoutSeconds = () => 1800 + Math.floor(Math.random() * 1800);
/** How often an idle watch that asked for bookmarks gets one (kube-apiserver: about a minute). */
const BOOKMARK_INTERVAL_MS = 60_000;

export interface WatchRegistry {
  /**
   * Admits a watch of `user` (counted until the returned release is called: shutdown can close it and
   * metrics count it), or refuses it with the 429 to answer when a limit is reached.
   */
  admit(user: string, stream: { finish(reason: 'done'): void }): (() => void) | StatusError;
}

/**
 * A watch over HTTP: headers first, then replayed or initial events, then live events until the timeout,
 * the client leaving or shutdown. Errors found after the stream started travel as an ERROR event, as in
 * kube-apiserver (a resourceVersion too old gives Expired, which clients answer by relisting). A watch
 * beyond the per-user or total limit is refused before anything is allocated for it. Whatever a watch
 * holds (its slot, subscription, timers and listeners) is released when the stream closes, whichever
 * way it closes.
 */
export function watchHandler<T extends { apiVersion?: string; kind?: string; metadata: ObjectMeta }>(storage: Watcher<T>,
  convertor: TableConvertor<T>, kind: { apiVersion: string; kind: string }, registry: WatchRegistry) {
  return async (req: Request, res: Response, next: NextFunction, options: ListOptions) => {
    let stream: WatchStream<T> | undefined;
    let watching = false;
    // On shutdown a watch that asked for bookmarks gets one at the current resourceVersion before the
    // stream ends (as kube-apiserver does since 1.27), so the client resumes on another replica from
    // exactly there instead of replaying or relisting.
    const release = registry.admit(req.user?.username ?? '', {
      finish: (reason) => {
        if (!stream) return;
        if (watching && options.allowWatchBookmarks) stream.bookmark(storage.currentResourceVersion());
        stream.finish(reason);
      },
    });
    if (release instanceof StatusError) {
      next(release);
      return;
    }
    try {
      stream = new WatchStream<T>(req, res, convertor, kind);
    } catch (err) {
      release();
      next(err);
      return;
    }
    const s = stream;
    let timeout: NodeJS.Timeout | undefined;
    let bookmarks: NodeJS.Timeout | undefined;
    s.whenClosed(() => {
      release();
      clearTimeout(timeout);
      clearInterval(bookmarks);
    });
    s.start();
    try {
      const handle = await storage.watch(requestContext(req, res), options, (event) => {
        if (event.type !== 'BOOKMARK') s.send(event.type, event.object);
        // Clients that do not allow bookmarks resume from the last object's version: maybe a replay, no loss.
        else if (options.allowWatchBookmarks) s.bookmark(event.resourceVersion);
      });
      s.whenClosed(() => handle.close());
      if (s.isClosed) handle.close();
      if (s.isClosed) return;
      watching = true;
      if (options.sendInitialEvents) s.bookmark(storage.currentResourceVersion(), true);
      if (options.allowWatchBookmarks) bookmarks = setInterval(() => s.bookmark(storage.currentResourceVersion()), BOOKMARK_INTERVAL_MS);
      timeout = setTimeout(() => s.finish('done'), (options.timeoutSeconds ?? defaultTimeoutSeconds()) * 1000);
    } catch (err) {
      s.error(err instanceof StatusError ? err : toStatusError(err));
    }
  };
}
