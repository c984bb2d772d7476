import type { UserInfo } from '../storage/user-info.js';
import type { ListMeta } from '../storage/apimachinery/object-meta.js';

/**
 * The verb interfaces a resource's REST storage implements, and the narrow views of storage it
 * consumes. The installer mounts a route for each verb a storage implements, and discovery advertises
 * exactly those verbs. Registry code never sees HTTP.
 */
export interface RequestContext {
  user: UserInfo;
  /** Aborted when the client goes away, so long work (waiting for a sync) can stop. */
  signal?: AbortSignal;
}

/** Parsed and validated list/watch options (query parameters of a GET on a collection). */
export interface ListOptions {
  labelSelector: { empty: boolean; matches(labels: Record<string, string> | undefined): boolean };
  fieldSelector: { empty: boolean; matches(fields: Record<string, string>): boolean };
  limit: number;
  continueToken: string;
  resourceVersion: string;
  resourceVersionMatch: '' | 'NotOlderThan' | 'Exact';
  watch: boolean;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean | undefined;
  timeoutSeconds: number | undefined;
}

export interface ListResult<T> {
  items: T[];
  metadata: ListMeta;
}

/**
 * A change of an object (carrying its own resourceVersion), or a BOOKMARK: the position a client that has
 * seen everything so far resumes from, when the last object's own version is not that position (sent only
 * to clients that allow bookmarks).
 */
export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; resourceVersion: string };

/** A running watch: events arrive through the sink given to watch(); close() stops them. */
export interface WatchHandle {
  close(): void;
}

export interface Getter<T> {
  get(ctx: RequestContext, name: string): Promise<T>;
}

export interface Lister<T> {
  list(ctx: RequestContext, options: ListOptions): Promise<ListResult<T>>;
}

export interface Watcher<T> {
  /**
   * Starts a watch. Events (replayed, initial and live, in order) go to `sink` synchronously; the
   * returned promise resolves once the replay or initial state has been delivered. The sink must not block.
   */
  watch(ctx: RequestContext, options: ListOptions, sink: (event: WatchEvent<T>) => void): Promise<WatchHandle>;
  /** The current resourceVersion, for bookmarks. */
  currentResourceVersion(): string;
}

export const implementsGetter = <T>(s: object): s is Getter<T> => typeof (s as Getter<T>).get === 'function';
export const implementsLister = <T>(s: object): s is Lister<T> => typeof (s as Lister<T>).list === 'function';
export const implementsWatcher = <T>(s: object): s is Watcher<T> => typeof (s as Watcher<T>).watch === 'function';
