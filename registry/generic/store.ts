import { forbidden, invalid, notFound, StatusError } from '../../storage/apimachinery/errors.js';
import { KubeApiError } from '../../storage/kube-api-error.js';
import type { AccessAttributes, AccessDecision } from '../../storage/authorization/subject-access-reviewer.js';
import { SYSTEM_MASTERS } from '../../storage/user-info.js';
import { FIELD_MANAGER } from '../../storage/object-writer.js';
import { isEmptyFields, subtractFields } from '../../storage/apimachinery/fields-v1.js';
import type { FieldsV1 } from '../../storage/apimachinery/fields-v1.js';
import type { UserInfo } from '../../storage/user-info.js';
import type { RequestContext } from '../rest.js';
import type { Applied, Applier, ApplyOptions, Creater, DeleteOptions, Deleter, WriteContext } from '../write-verbs.js';
import { READ_YOUR_WRITES_MS } from '../write-verbs.js';
import { checkDeletePreconditions, checkResourceVersion } from './preconditions.js';
import type { ManagedFieldsEntry, PreparedWrite, StoredApplyOptions, WithMeta, WriteStrategy } from './strategy.js';
import { fromUpstream } from './upstream-errors.js';

/** The access index's wait: resolves once `condition` holds, or false after the timeout or the abort. */
interface IndexWait {
  waitFor(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

/** RBAC, asked with SubjectAccessReview: an apply that creates must be allowed to create, as upstream. */
interface Authorizer {
  authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision>;
}

/**
 * How often an apply starts over when the object changed under it (kube-apiserver's patcher retries its
 * GuaranteedUpdate likewise): a write between its read and its write, a create racing another.
 */
const APPLY_ATTEMPTS = 5;

/** An apply that found the object changed under it, and starts over (the error, if it cannot). */
class StartOver extends Error {
  constructor(readonly error: unknown) {
    super('start over');
  }
}

/**
 * The one write path, as k8s.io/apiserver's generic registry Store (pkg/registry/generic/registry/store.go):
 * create, update and delete in the same order for every resource, the resource's own steps supplied by its
 * strategy. Writes to kube-apiserver use the server's own identity, after the checks here and the strategy's.
 */
export class GenericStore<View extends WithMeta, Stored extends WithMeta> implements Creater<View>, Deleter<View>, Applier<View> {
  constructor(private readonly strategy: WriteStrategy<View, Stored>, private readonly index: IndexWait,
    private readonly authorizer?: Authorizer) {}

  async create(ctx: WriteContext, obj: View): Promise<View> {
    this.validate(obj);
    const name = obj.metadata.name ?? '';
    const prepared = await this.strategy.prepareForCreate(ctx, obj);
    return this.persist(ctx, name, prepared, (next) => this.strategy.create(next, { dryRun: ctx.dryRun, fieldManager: ctx.fieldManager }),
      this.strategy.showsCreated?.bind(this.strategy));
  }

  /**
   * Server-side apply, as kube-apiserver's patch handler takes an apply patch: an object that does not exist
   * is created (the client must be allowed to create it, too), one that exists is updated. kube-apiserver
   * itself merges and keeps field ownership: a dry-run apply to the stored object gives the result, which
   * goes through every check an update goes through; then the same apply is made on the version that result
   * was computed from. An object changed in between starts the apply over.
   */
  async apply(ctx: WriteContext, name: string, config: View, options: ApplyOptions): Promise<Applied<View>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyOnce(ctx, name, config, options);
      } catch (err) {
        if (!(err instanceof StartOver)) throw err;
        if (attempt >= APPLY_ATTEMPTS) throw err.error;
      }
    }
  }

  private async applyOnce(ctx: WriteContext, name: string, config: View, options: ApplyOptions): Promise<Applied<View>> {
    const current = await this.strategy.get(ctx, name);
    if (!current) {
      // Hidden from the user is absent for them, but not to be created: 404, as for an update.
      if (await this.strategy.read(name)) throw notFound(this.strategy.resource, name);
      await this.authorizeCreate(ctx, name);
      try {
        return { object: await this.createByApply(ctx, name, config, options), created: true };
      } catch (err) {
        // Created by someone else since it was found absent: apply to that one.
        throw err instanceof StatusError && err.reason === 'AlreadyExists' ? new StartOver(err) : err;
      }
    }
    await this.strategy.authorize?.(ctx, 'update', name);
    const requested = config.metadata.resourceVersion;
    const applied = this.strategy.applyConfig(config);
    const base: StoredApplyOptions = {
      fieldManager: ctx.fieldManager, force: options.force, dryRun: true,
      // The client's precondition, or the version just read: what was checked is what is written. The uid too:
      // an apply to an object deleted in between would otherwise create it, past every check of a create.
      resourceVersion: requested || current.metadata.resourceVersion,
      ...(current.metadata.uid ? { uid: current.metadata.uid } : {}),
    };
    try {
      let merged: Stored;
      try {
        merged = await this.strategy.apply(name, applied, base);
      } catch (err) {
        throw this.fromUpstream(err, name);
      }
      const view = this.strategy.toView(merged);
      this.validate(view);
      const prepared = await this.strategy.prepareForUpdate(ctx, current, view);
      const object = await this.persist(ctx, name, prepared, async (next) => {
        const written = await this.strategy.apply(name, applied, { ...base, dryRun: ctx.dryRun });
        return this.strategy.completeApply ? this.strategy.completeApply(written, next, ctx.dryRun) : written;
      }, this.strategy.showsUpdated?.bind(this.strategy));
      return { object, created: false };
    } catch (err) {
      // Changed since it was read (a version the client did not ask for), or gone: start over.
      throw this.changedUnder(err, name, requested) ? new StartOver(err) : err;
    }
  }

  /**
   * Whether an apply's error says the object changed since it was read: the optimistic-lock conflict on the
   * version the store read (not the client's precondition, not an apply conflict), or the object gone.
   */
  private changedUnder(err: unknown, name: string, requested: string | undefined): boolean {
    if (!(err instanceof StatusError) || err.details?.name !== name || err.details.group !== this.strategy.resource.group) return false;
    if (err.reason === 'NotFound') return err.details.kind === this.strategy.resource.resource;
    return err.reason === 'Conflict' && !requested && !err.details.causes?.length;
  }

  /**
   * An apply that creates. kube-apiserver would create the object from the configuration alone, its manager
   * owning exactly the fields it sent; here the object is created as any create makes it (the resource's own
   * steps, which may add fields: the account label, its template's labels), and then the configuration's
   * manager is given exactly the fields a dry-run apply of the configuration says it sent, the server's
   * manager keeping the rest. The create fails if the object appeared meanwhile (the apply then starts over),
   * so a configuration is never merged into an object nobody checked.
   */
  private async createByApply(ctx: WriteContext, name: string, config: View, options: ApplyOptions): Promise<View> {
    this.validate(config);
    let owned: ManagedFieldsEntry;
    try {
      const predicted = await this.strategy.apply(name, this.strategy.applyConfig(config),
        { fieldManager: ctx.fieldManager, force: options.force, dryRun: true });
      owned = applierEntry(predicted.metadata.managedFields, ctx.fieldManager);
    } catch (err) {
      throw this.fromUpstream(err, name);
    }
    const prepared = await this.strategy.prepareForCreate(ctx, config);
    return this.persist(ctx, name, prepared, async (next) => {
      const created = await this.strategy.create(next, { dryRun: ctx.dryRun, fieldManager: FIELD_MANAGER });
      if (ctx.dryRun) return { ...created, metadata: { ...created.metadata, managedFields: withApplier(created.metadata.managedFields, owned) } };
      return this.handOver(ctx, name, created, owned);
    }, this.strategy.showsCreated?.bind(this.strategy));
  }

  /**
   * Gives the applier its fields in the created object's managedFields, re-reading if it changed meanwhile. The
   * object exists by now, with every step of its create still to come: a hand-over that cannot be made does not
   * fail the create; the client is told, and its next apply shares the fields with the server's manager instead.
   */
  private async handOver(ctx: WriteContext, name: string, created: Stored, owned: ManagedFieldsEntry): Promise<Stored> {
    let current: Stored = created;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.strategy.setManagedFields(name, withApplier(current.metadata.managedFields, owned), current.metadata.resourceVersion ?? '');
      } catch (err) {
        const changed = err instanceof KubeApiError && err.statusCode === 409;
        const reread = changed && attempt < APPLY_ATTEMPTS ? await this.strategy.read(name).catch(() => undefined) : undefined;
        if (!reread || reread.metadata.uid !== created.metadata.uid) {
          const why = err instanceof KubeApiError ? err.status?.message ?? err.message : err instanceof Error ? err.message : String(err);
          ctx.warnings.push(`created, but its fields could not be handed to field manager "${ctx.fieldManager}": ${why}`);
          return current;
        }
        current = reread;
      }
    }
  }

  /** Whether the user may create objects of this resource (RBAC, as the request chain asks for a POST). */
  private async authorizeCreate(ctx: RequestContext, name: string): Promise<void> {
    if (!this.authorizer || ctx.user.groups.includes(SYSTEM_MASTERS)) return;
    const { group, resource } = this.strategy.resource;
    const decision = await this.authorizer.authorize(ctx.user, { verb: 'create', resource: { group, version: '', resource } });
    if (!decision.allowed) {
      throw forbidden(this.strategy.resource, name, `User "${ctx.user.username}" cannot create resource "${resource}" in API group "${group}" at the cluster scope`);
    }
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
    return this.persist(ctx, name, prepared, (next) => this.strategy.update(next, { dryRun: ctx.dryRun, fieldManager: ctx.fieldManager }),
      this.strategy.showsUpdated?.bind(this.strategy));
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
    const { resource, kind, upstreamValidatesOurSchema, conflictWording } = this.strategy;
    return fromUpstream(err, { resource, ...(upstreamValidatesOurSchema ? { sameSchemaKind: kind } : {}), ...(conflictWording ? { conflictWording } : {}) }, name);
  }

  /** Answers once the index shows the write (or after READ_YOUR_WRITES_MS), so the client's next read sees it. */
  private async readYourWrite(ctx: RequestContext, shows: () => boolean): Promise<void> {
    await this.index.waitFor(shows, READ_YOUR_WRITES_MS, ctx.signal);
  }
}

/** The applier's own entry in an apply's result: the fields its configuration sent. */
function applierEntry(entries: ManagedFieldsEntry[] | undefined, manager: string): ManagedFieldsEntry {
  const entry = entries?.find((e) => e.manager === manager && e.operation === 'Apply');
  return entry ?? { manager, operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} };
}

const fieldsOf = (e: ManagedFieldsEntry): FieldsV1 => (typeof e.fieldsV1 === 'object' && e.fieldsV1 !== null ? e.fieldsV1 as FieldsV1 : {});

/** managedFields with `owned` as the applier's entry, its fields taken from every other manager (as a forced apply does). */
function withApplier(entries: ManagedFieldsEntry[] | undefined, owned: ManagedFieldsEntry): ManagedFieldsEntry[] {
  const others = (entries ?? []).filter((e) => !(e.manager === owned.manager && e.operation === 'Apply')).flatMap((e) => {
    // Entries of other subresources (status) own other fields than an apply of the object can send.
    if (e.subresource) return [e];
    const left = subtractFields(fieldsOf(e), fieldsOf(owned));
    return isEmptyFields(left) ? [] : [{ ...e, fieldsV1: left }];
  });
  return [owned, ...others];
}
