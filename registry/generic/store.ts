import { invalid, notFound } from '../../storage/apimachinery/errors.js';
import type { RequestContext } from '../rest.js';
import type { Creater, DeleteOptions, Deleter, WriteContext } from '../write-verbs.js';
import { READ_YOUR_WRITES_MS } from '../write-verbs.js';
import { checkDeletePreconditions, checkResourceVersion } from './preconditions.js';
import type { PreparedWrite, WithMeta, WriteStrategy } from './strategy.js';
import { fromUpstream } from './upstream-errors.js';

/** The access index's wait: resolves once `condition` holds, or false after the timeout or the abort. */
interface IndexWait {
  waitFor(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

/**
 * The one write path, as k8s.io/apiserver's generic registry Store (pkg/registry/generic/registry/store.go):
 * create, update and delete in the same order for every resource, the resource's own steps supplied by its
 * strategy. Writes to kube-apiserver use the server's own identity, after the checks here and the strategy's.
 */
export class GenericStore<View extends WithMeta, Stored extends WithMeta> implements Creater<View>, Deleter<View> {
  constructor(private readonly strategy: WriteStrategy<View, Stored>, private readonly index: IndexWait) {}

  async create(ctx: WriteContext, obj: View): Promise<View> {
    this.validate(obj);
    const name = obj.metadata.name ?? '';
    const prepared = await this.strategy.prepareForCreate(ctx, obj);
    return this.persist(ctx, name, prepared, (next) => this.strategy.create(next, ctx.dryRun), this.strategy.showsCreated?.bind(this.strategy));
  }

  /** Replaces the object; `obj` is the whole new object (after a patch, the patched object). */
  async update(ctx: WriteContext, name: string, obj: View): Promise<View> {
    const current = await this.current(ctx, name, 'update');
    const { resource, kind } = this.strategy;
    checkResourceVersion(resource, name, obj.metadata.resourceVersion, current.metadata.resourceVersion ?? '');
    // ValidateObjectMetaUpdate: the uid is immutable (an update is not a uid precondition).
    if (obj.metadata.uid && obj.metadata.uid !== current.metadata.uid) {
      throw invalid(kind, resource.group, name, [{ field: 'metadata.uid', type: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(obj.metadata.uid)}: field is immutable` }]);
    }
    this.validate(obj);
    const prepared = await this.strategy.prepareForUpdate(ctx, current, obj);
    if (this.strategy.unchanged(current, prepared.object)) {
      try {
        await prepared.release?.();
      } finally {
        prepared.finish?.();
      }
      return this.strategy.toView(current);
    }
    return this.persist(ctx, name, prepared, (next) => this.strategy.update(next, ctx.dryRun), this.strategy.showsUpdated?.bind(this.strategy));
  }

  async delete(ctx: WriteContext, name: string, options: DeleteOptions): Promise<View> {
    const current = await this.current(ctx, name, 'delete');
    const pre = options.preconditions;
    checkDeletePreconditions(this.strategy.resource, name, pre, current.metadata);
    const dryRun = ctx.dryRun || options.dryRun;
    let kept: Stored | undefined;
    try {
      kept = await this.strategy.delete(name, {
        dryRun, propagationPolicy: options.propagationPolicy, uid: current.metadata.uid,
        ...(pre?.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
      });
    } catch (err) {
      throw this.fromUpstream(err, name);
    }
    const shows = this.strategy.showsDeleted?.bind(this.strategy);
    if (shows && !dryRun) await this.readYourWrite(ctx, () => shows(ctx, name, kept));
    // A finalizer keeps it, marked for deletion: the client gets that object; otherwise the last one it could read.
    return this.strategy.toView(kept ?? current);
  }

  /** The object to change, or 404; then whether the user may (404 before 403, as upstream). */
  private async current(ctx: RequestContext, name: string, verb: 'update' | 'delete'): Promise<Stored> {
    const current = await this.strategy.get(ctx, name);
    if (!current) throw notFound(this.strategy.resource, name);
    await this.strategy.authorize?.(ctx, verb, name);
    return current;
  }

  private validate(obj: View): void {
    const errors = this.strategy.validate?.(obj) ?? [];
    if (errors.length > 0) throw invalid(this.strategy.kind, this.strategy.resource.group, obj.metadata.name ?? '', errors);
  }

  /**
   * Stores what was prepared; then, unless it was a dry run, the resource's steps after the write and
   * read-your-writes. What preparing held is released once the write has landed or failed, and the
   * strategy hears when the request is over, whatever happened.
   */
  private async persist(ctx: WriteContext, name: string, prepared: PreparedWrite<Stored>, writing: (next: Stored) => Promise<Stored>,
    shows: ((ctx: RequestContext, name: string, stored: Stored) => boolean) | undefined): Promise<View> {
    try {
      let written: Stored;
      try {
        written = await writing(prepared.object);
      } catch (err) {
        throw this.fromUpstream(err, name);
      } finally {
        await prepared.release?.();
      }
      if (ctx.dryRun) return this.strategy.toView(written);
      const stored = (await prepared.afterWrite?.(written)) ?? written;
      if (shows) await this.readYourWrite(ctx, () => shows(ctx, name, stored));
      return this.strategy.toView(stored);
    } finally {
      prepared.finish?.();
    }
  }

  private fromUpstream(err: unknown, name: string): unknown {
    const { resource, kind, upstreamValidatesOurSchema } = this.strategy;
    return fromUpstream(err, { resource, ...(upstreamValidatesOurSchema ? { sameSchemaKind: kind } : {}) }, name);
  }

  /** Answers once the index shows the write (or after READ_YOUR_WRITES_MS), so the client's next read sees it. */
  private async readYourWrite(ctx: RequestContext, shows: () => boolean): Promise<void> {
    await this.index.waitFor(shows, READ_YOUR_WRITES_MS, ctx.signal);
  }
}
