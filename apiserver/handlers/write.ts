import type { NextFunction, Request, Response } from 'express';
import { badRequest, internal, invalid, StatusError } from '../../storage/apimachinery/errors.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { ResourceDescriptor } from '../../registry/resource.js';
import type { TableConvertor } from '../../registry/table-convertor.js';
import type { Applier, Creater, Deleter, Updater, WriteContext } from '../../registry/write-verbs.js';
import { implementsApplier } from '../../registry/write-verbs.js';
import { assertGoTypes, decodeObject, strictDecodingErrors, unknownFields } from '../request/decode.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import { generateName } from '../../storage/apimachinery/generate-name.js';
import { validateObjectMetaForCreate } from '../../storage/apimachinery/meta-validation.js';
import { managerOrUserAgent, parseCreateOptions, parseDeleteOptions, parsePatchOptions, parseUpdateOptions } from '../request/options.js';
import type { WriteOptions } from '../request/options.js';
import { applyJsonPatch, applyMergePatch } from '../request/apply-patch.js';
import { decodeJsonPatch, decodeMergePatch, patchContentType, patchStrictError, unsupportedPatchType } from '../request/patch.js';
import { warningHeaders } from '../request/warnings.js';
import { writeObject } from '../encoding/output.js';
import { requestContext } from './context.js';

type Obj = { apiVersion?: string; kind?: string; metadata: ObjectMeta };

/** The patch media types the handlers implement, advertised as such in OpenAPI (never strategic merge, as for CRDs). */
export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

/** An apply configuration is YAML (JSON being YAML), whatever parameters its media type carries. */
const APPLY_BODY_TYPE = 'application/yaml';

/** What a resource's write handlers need to know about it. */
export interface WriteResource {
  descriptor: Omit<ResourceDescriptor, 'verbs'>;
  /** OpenAPI schema name of the kind, for unknown-field detection. */
  schemaName: string;
  catalogue: Record<string, unknown>;
  /** Validates metadata.name for this kind (namespaces are DNS-1123 labels, most others subdomains). */
  nameValidator: (name: string) => string[];
}

const GENERATE_NAME_ATTEMPTS = 8;

function context(req: Request, res: Response, options: WriteOptions): WriteContext {
  return { ...requestContext(req, res), dryRun: options.dryRun, fieldManager: managerOrUserAgent(options.fieldManager, req.headers['user-agent']), warnings: [] };
}

function query(req: Request): Record<string, string | string[] | undefined> {
  return req.query as Record<string, string | string[] | undefined>;
}

function send<T extends Obj>(req: Request, res: Response, status: number, obj: T, ctx: WriteContext, convertor: TableConvertor<T>): void {
  const warnings = warningHeaders(ctx.warnings);
  if (warnings.length > 0) res.setHeader('Warning', warnings);
  writeObject(req, res, status, obj, convertor);
}

/** Decodes and checks a body for the kind in upstream's order: media type, syntax, kind, strict fields, version. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the kind's type, which the schema check vouched for
function decode<T extends Obj>(req: Request, r: WriteResource, mode: WriteOptions['fieldValidation'], ctx: WriteContext,
  contentType = req.headers['content-type']): T {
  const { group, version, kind } = r.descriptor;
  const decoded = decodeObject(req.rawBody ?? Buffer.alloc(0), contentType, { group, version, kind },
    { fieldValidation: mode, schemaName: r.schemaName, catalogue: r.catalogue });
  ctx.warnings.push(...decoded.warnings);
  const obj = decoded.object;
  obj.metadata ??= {};
  if (!isWritableObject<T>(obj)) throw internal(new Error(`the decoded ${r.descriptor.kind} is not an object with metadata`));
  return obj;
}

/**
 * Whether a body, decoded and checked against the kind's schema (decodeObject, assertGoTypes), has the outline
 * every handler relies on: an object with a metadata object and string apiVersion and kind, if any. The rest of
 * T is what the kind's schema said; the resource's own validation judges the values.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is what the kind's schema said (see above)
function isWritableObject<T extends Obj>(value: unknown): value is T {
  return isPlainObject(value) && isPlainObject(value.metadata)
    && (value.apiVersion === undefined || typeof value.apiVersion === 'string') && (value.kind === undefined || typeof value.kind === 'string');
}

/** WipeObjectMetaSystemFields, and the namespace of a cluster-scoped object cleared (not rejected). */
function wipeSystemFields(meta: ObjectMeta): void {
  delete meta.creationTimestamp;
  delete meta.uid;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete (meta as Record<string, unknown>).selfLink;
  delete meta.namespace;
  delete meta.generation;
  delete meta.managedFields;
}

export function createHandler<T extends Obj>(storage: Creater<T>, r: WriteResource, convertor: TableConvertor<T>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const options = parseCreateOptions(query(req));
      const ctx = context(req, res, options);
      const obj = decode<T>(req, r, options.fieldValidation, ctx);
      if (obj.metadata.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
      wipeSystemFields(obj.metadata);
      const errors = validateObjectMetaForCreate(obj.metadata, { nameValidator: r.nameValidator });
      if (errors.length > 0) throw invalid(r.descriptor.kind, r.descriptor.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errors);
      const prefix = obj.metadata.name ? undefined : obj.metadata.generateName || undefined;
      const generate = prefix !== undefined;
      for (let attempt = 1; ; attempt++) {
        if (generate) obj.metadata.name = generateName(prefix);
        try {
          const created = await storage.create(ctx, obj);
          send(req, res, 201, created, ctx, convertor);
          return;
        } catch (err) {
          const exists = err instanceof StatusError && err.reason === 'AlreadyExists';
          if (!generate || !exists) throw err;
          if (attempt >= GENERATE_NAME_ATTEMPTS) {
            throw new StatusError(409, 'AlreadyExists', `${err.message}, the server was not able to generate a unique name for the object`,
              { ...err.details, retryAfterSeconds: 1 }, 1);
          }
        }
      }
    } catch (err) {
      next(err);
    }
  };
}

function requireNameMatches(obj: Obj, name: string): void {
  if (obj.metadata.name && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  obj.metadata.name = name;
}

export function updateHandler<T extends Obj>(storage: Updater<T>, r: WriteResource, convertor: TableConvertor<T>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const name = String(req.params.name);
      const options = parseUpdateOptions(query(req));
      const ctx = context(req, res, options);
      const obj = decode<T>(req, r, options.fieldValidation, ctx);
      requireNameMatches(obj, name);
      delete obj.metadata.namespace;
      send(req, res, 200, await storage.update(ctx, name, obj), ctx, convertor);
    } catch (err) {
      next(err);
    }
  };
}

/**
 * Server-side apply: the body is the client's apply configuration of the object (YAML or JSON, with its
 * apiVersion and kind), decoded as a create's; the storage merges it and keeps field ownership. 201 when the
 * apply created the object, as upstream.
 */
async function apply<T extends Obj>(req: Request, res: Response, storage: Applier<T>, r: WriteResource, convertor: TableConvertor<T>): Promise<void> {
  const name = String(req.params.name);
  const options = parsePatchOptions(query(req), 'apply');
  const ctx = context(req, res, options);
  const config = decode<T>(req, r, options.fieldValidation, ctx, APPLY_BODY_TYPE);
  // fieldmanager: an applier states fields, never ownership.
  if (config.metadata.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
  requireNameMatches(config, name);
  delete config.metadata.namespace;
  const errors = validateObjectMetaForCreate(config.metadata, { nameValidator: r.nameValidator });
  if (errors.length > 0) throw invalid(r.descriptor.kind, r.descriptor.group, name, errors);
  const { object, created } = await storage.apply(ctx, name, config, { force: options.force ?? false });
  send(req, res, created ? 201 : 200, object, ctx, convertor);
}

/**
 * JSON patch and JSON merge patch, applied to the object as the user sees it and then written through
 * the update path (validation, optimistic concurrency: a resourceVersion in the patch is a precondition);
 * an apply patch is server-side apply. Strategic merge patch is refused with 415, as for custom resources,
 * so the garbage collector falls back to a merge patch.
 */
export function patchHandler<T extends Obj>(storage: Updater<T>, r: WriteResource, convertor: TableConvertor<T>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const name = String(req.params.name);
      const type = patchContentType(req.headers['content-type']);
      const applier = implementsApplier<T>(storage);
      if (type === 'apply' && applier) {
        await apply(req, res, storage, r, convertor);
        return;
      }
      if (type !== 'json' && type !== 'merge') throw unsupportedPatchType(applier ? PATCH_TYPES : PATCH_TYPES.filter((t) => !t.startsWith('application/apply-patch')));
      const options = parsePatchOptions(query(req), type);
      const ctx = context(req, res, options);
      const raw = req.rawBody ?? Buffer.alloc(0);
      const decoded = type === 'json' ? decodeJsonPatch(raw, options.fieldValidation) : decodeMergePatch(raw, options.fieldValidation);
      const current = await storage.get(ctx, name);
      const result = type === 'json' ? applyJsonPatch(current, decoded.patch) : applyMergePatch(current, decoded.patch);
      if (!isPlainObject(result) || !isPlainObject(result.metadata)) throw badRequest('the patch removed the object\'s metadata');
      // Problems in the patch itself and unknown fields in its result: 422 under Strict, warnings under Warn.
      const problems = [...decoded.strictErrors, ...strictDecodingErrors(unknownFields(result, r.schemaName, r.catalogue), [])];
      if (problems.length > 0 && options.fieldValidation === 'Strict') throw patchStrictError(result, problems);
      if (options.fieldValidation === 'Warn') ctx.warnings.push(...problems);
      assertGoTypes(result, r.descriptor, r.schemaName, r.catalogue);
      if (!isWritableObject<T>(result)) throw internal(new Error(`the patched ${r.descriptor.kind} is not an object with metadata`));
      const patched = result;
      requireNameMatches(patched, name);
      send(req, res, 200, await storage.update(ctx, name, patched), ctx, convertor);
    } catch (err) {
      next(err);
    }
  };
}

export function deleteHandler<T extends Obj>(storage: Deleter<T>, convertor: TableConvertor<T>, descriptor: { group: string; version: string }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const options = parseDeleteOptions(req.rawBody, query(req), { groupVersion: `${descriptor.group}/${descriptor.version}`, contentType: req.headers['content-type'] });
      const ctx: WriteContext = { ...requestContext(req, res), dryRun: options.dryRun, fieldManager: '', warnings: [] };
      send(req, res, 200, await storage.delete(ctx, String(req.params.name), options), ctx, convertor);
    } catch (err) {
      next(err);
    }
  };
}
