import type { RequestContext } from './rest.js';

/**
 * How long a write waits for its own result to show in the access index before answering, so the
 * client's next read (kubectl apply's GET, say) sees it: reads are served from the index (read-your-writes).
 */
export const READ_YOUR_WRITES_MS = 5_000;

/** A write's request context: who, and the options every write carries. */
export interface WriteContext extends RequestContext {
  dryRun: boolean;
  /** The manager the write is recorded under: the fieldManager parameter, else derived from the User-Agent. */
  fieldManager: string;
  /** Warnings for the client (fieldValidation=Warn and the like), sent as Warning headers. */
  warnings: string[];
}

/** What a server-side apply asks for besides the configuration: `force` takes over conflicting fields. */
export interface ApplyOptions {
  force: boolean;
}

/** An apply's answer: the object, and whether the apply created it (201) or changed one that existed (200). */
export interface Applied<T> {
  object: T;
  created: boolean;
}

export interface DeleteOptions {
  dryRun: boolean;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface Creater<T> {
  create(ctx: WriteContext, obj: T): Promise<T>;
}

export interface Updater<T> {
  /** Replaces the object; `obj` is the whole new object (after a patch, the patched object). */
  update(ctx: WriteContext, name: string, obj: T): Promise<T>;
  /** The object as the requesting user sees it, for patches (404 if it is not visible to them). */
  get(ctx: RequestContext, name: string): Promise<T>;
}

export interface Deleter<T> {
  delete(ctx: WriteContext, name: string, options: DeleteOptions): Promise<T>;
}

/** Server-side apply (an application/apply-patch+yaml PATCH): `config` is the client's apply configuration. */
export interface Applier<T> {
  apply(ctx: WriteContext, name: string, config: T, options: ApplyOptions): Promise<Applied<T>>;
}

/** What a resource's REST storage writes through (the generic store over its strategy). */
export interface WriteStore<T> extends Creater<T>, Deleter<T>, Applier<T> {
  update(ctx: WriteContext, name: string, obj: T): Promise<T>;
}

export const implementsCreater = <T>(s: object): s is Creater<T> => typeof (s as Creater<T>).create === 'function';
export const implementsUpdater = <T>(s: object): s is Updater<T> => typeof (s as Updater<T>).update === 'function';
export const implementsApplier = <T>(s: object): s is Applier<T> => typeof (s as Applier<T>).apply === 'function';
export const implementsDeleter = <T>(s: object): s is Deleter<T> => typeof (s as Deleter<T>).delete === 'function';
