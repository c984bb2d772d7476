import type { invalid } from '../../storage/apimachinery/errors.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { RequestContext } from '../rest.js';
import type { WriteContext } from '../write-verbs.js';

/** One entry of metadata.managedFields. */
export type ManagedFieldsEntry = Record<string, unknown>;

/** Anything with object metadata: the tenancy view a client writes, or the object stored behind it. */
export interface WithMeta {
  metadata: ObjectMeta;
}

/** What preparing a write produced: the object to store, and the resource's steps around storing it. */
export interface PreparedWrite<Stored> {
  object: Stored;
  /** Runs once the write to kube-apiserver has landed or failed (a held reservation is let go). */
  release?(): Promise<void>;
  /** Runs after a write that was not a dry run; may answer a newer stored object than the write's. */
  afterWrite?(written: Stored): Promise<Stored | undefined>;
  /** Runs when the request is over, whatever happened. */
  finish?(): void;
}

/** How a create or update of the stored object reaches kube-apiserver. */
export interface StoredWriteOptions {
  dryRun: boolean;
  /** The manager kube-apiserver records the write under (managedFields). */
  fieldManager: string;
}

/** A server-side apply of the stored object: kube-apiserver merges and keeps the field ownership. */
export interface StoredApplyOptions extends StoredWriteOptions {
  force: boolean;
  /** Preconditions, sent in the configuration's metadata: the apply fails (409) if the object differs. */
  resourceVersion?: string;
  uid?: string;
}

/** How the stored object is deleted, as DeleteOptions reach kube-apiserver. */
export interface StoredDeleteOptions {
  dryRun: boolean;
  propagationPolicy?: string;
  /** The uid of the object the preconditions were checked on, so a namesake made since is left alone. */
  uid?: string;
  /** Present when the client gave a resourceVersion precondition: the version it was checked against. */
  resourceVersion?: string;
}

/**
 * The objects a resource is stored as, in kube-apiserver, acting with the server's identity (the strategy
 * decides first whether the user may write).
 */
interface StoredObjects<Stored> {
  /** The stored object as the user may write it, read live; undefined (404) when it is absent or hidden from them. */
  get(ctx: RequestContext, name: string): Promise<Stored | undefined>;
  /** The stored object, seen by the user or not, read live (an apply to a hidden one is a 404, not a create). */
  read(name: string): Promise<Stored | undefined>;
  create(obj: Stored, options: StoredWriteOptions): Promise<Stored>;
  update(obj: Stored, options: StoredWriteOptions): Promise<Stored>;
  /** Server-side apply of `config`, an apply configuration of the stored kind (see WriteStrategy.applyConfig). */
  apply(name: string, config: Stored, options: StoredApplyOptions): Promise<Stored>;
  /** Replaces the object's managedFields (a merge patch, at that resourceVersion: 409 if it changed since). */
  setManagedFields(name: string, managedFields: ManagedFieldsEntry[], resourceVersion: string): Promise<Stored>;
  /** Resolves with the object when it stays (finalizers), undefined when it is gone at once. */
  delete(name: string, options: StoredDeleteOptions): Promise<Stored | undefined>;
}

/**
 * Read-your-writes: what the access index (which serves every read) must show before a write answers, so the
 * client's next read sees its write. A condition left out means the write answers at once.
 */
interface IndexedWrites<Stored> {
  showsCreated?(ctx: RequestContext, name: string, stored: Stored): boolean;
  showsUpdated?(ctx: RequestContext, name: string, stored: Stored): boolean;
  showsDeleted?(ctx: RequestContext, name: string, kept: Stored | undefined): boolean;
}

/**
 * The per-resource half of the generic store, as rest.RESTCreateStrategy and rest.RESTUpdateStrategy are in
 * k8s.io/apiserver: the resource's name and kind, its validation, how the tenancy view becomes the stored
 * object and back, and Kiosk's own steps around a write. The generic store owns the order of things:
 * 404, authorisation, preconditions and optimistic concurrency, dry-run, upstream errors, read-your-writes.
 */
export interface WriteStrategy<View extends WithMeta, Stored extends WithMeta> extends StoredObjects<Stored>, IndexedWrites<Stored> {
  readonly resource: GroupResource;
  /** The kind named in 422s ("Space" in `Space.tenancy.kiosk.sh "x" is invalid`). */
  readonly kind: string;
  /** Set when kube-apiserver validates the stored object with this resource's own schema (a CRD of the same kind): its 422 is then ours. */
  readonly upstreamValidatesOurSchema: boolean;
  toView(stored: Stored): View;
  /** Field errors in the object a client sent (create and update). */
  validate?(obj: View): Parameters<typeof invalid>[3];
  /** Whether the user may `verb` the existing object; throws the 403. Runs after the 404 check, as upstream. */
  authorize?(ctx: RequestContext, verb: 'update' | 'delete', name: string): Promise<void>;
  prepareForCreate(ctx: WriteContext, obj: View): Promise<PreparedWrite<Stored>>;
  prepareForUpdate(ctx: WriteContext, current: Stored, obj: View): Promise<PreparedWrite<Stored>>;
  /** Whether `next` changes nothing of `current` that this resource writes: then nothing is written. */
  unchanged(current: Stored, next: Stored): boolean;
  /** A client's apply configuration as the stored kind's: only the fields the client may own, in the stored object's terms. */
  applyConfig(config: View): Stored;
  /**
   * After an apply, what the resource adds to the applied object under its own manager (an update may add
   * more than the client's fields: the labels of the account a space moves to); resolves with the result.
   */
  completeApply?(applied: Stored, prepared: Stored, dryRun: boolean): Promise<Stored>;
  /** kube-apiserver's apply conflicts (a message, a field path) in this resource's terms. */
  readonly conflictWording?: ConflictWording;
}

/** How an apply conflict from kube-apiserver is worded for this resource's clients. */
export interface ConflictWording {
  text: (message: string) => string;
  field: (path: string) => string;
}
