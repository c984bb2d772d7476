import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { ResourceDescriptor } from '../../registry/resource.js';
import { implementsGetter, implementsLister, implementsWatcher } from '../../registry/rest.js';
import type { TableConvertor } from '../../registry/table-convertor.js';
import { methodNotSupported } from '../../storage/apimachinery/errors.js';
import { implementsCreater, implementsDeleter, implementsUpdater } from '../../registry/write-verbs.js';
import type { WriteResource } from '../handlers/write.js';
import { createHandler, deleteHandler, patchHandler, updateHandler } from '../handlers/write.js';
import { getHandler } from '../handlers/get.js';
import { listHandler } from '../handlers/list.js';
import { parseListOptions } from '../handlers/list-options.js';
import type { WatchRegistry } from '../handlers/watch.js';
import { watchHandler } from '../handlers/watch.js';

type Obj = { apiVersion?: string; kind?: string; metadata: ObjectMeta };

export interface InstallableResource<T extends Obj> {
  /** Descriptor without verbs: the installer derives them from what the storage implements. */
  descriptor: Omit<ResourceDescriptor, 'verbs'>;
  storage: object;
  convertor: TableConvertor<T>;
  /** Needed when the storage implements writes. */
  write?: Omit<WriteResource, 'descriptor'>;
}

/** The verbs a storage implements, in discovery's order. */
function verbsOf(storage: object): string[] {
  const verbs: string[] = [];
  if (implementsGetter(storage)) verbs.push('get');
  if (implementsLister(storage)) verbs.push('list');
  if (implementsWatcher(storage)) verbs.push('watch');
  if (implementsCreater(storage)) verbs.push('create');
  if (implementsUpdater(storage)) verbs.push('update', 'patch');
  if (implementsDeleter(storage)) verbs.push('delete');
  return verbs.sort();
}

/**
 * Mounts a resource's routes for the verbs its storage implements; any other method on its paths is a
 * 405 Status. Cluster-scoped resources have no /namespaces/{ns}/ paths (those fall through to 404).
 */
export function installResource<T extends Obj>(resource: InstallableResource<T>, watches: WatchRegistry): { router: Router; descriptor: ResourceDescriptor } {
  const { descriptor: d, storage, convertor } = resource;
  const descriptor: ResourceDescriptor = { ...d, verbs: verbsOf(storage) };
  const base = `/apis/${d.group}/${d.version}/${d.resource}`;
  const apiVersion = `${d.group}/${d.version}`;
  const gr = { group: d.group, resource: d.resource };
  const router = express.Router();

  const list = implementsLister<T>(storage) ? listHandler(storage, convertor, { apiVersion, listKind: d.listKind }) : undefined;
  const watch = implementsWatcher<T>(storage) ? watchHandler(storage, convertor, { apiVersion, kind: d.kind }, watches) : undefined;
  router.get(base, (req: Request, res: Response, next: NextFunction): void => {
    let options;
    try {
      options = parseListOptions(req.query as Record<string, string>);
    } catch (err) {
      return next(err);
    }
    if (options.watch) return watch ? void watch(req, res, next, options) : next(methodNotSupported(gr, 'watch'));
    return list ? void list(req, res, next) : next(methodNotSupported(gr, 'list'));
  });
  if (implementsGetter<T>(storage)) router.get(`${base}/:name`, getHandler(storage, convertor));
  const write: WriteResource | undefined = resource.write ? { ...resource.write, descriptor: d } : undefined;
  if (write && implementsCreater<T>(storage)) router.post(base, createHandler(storage, write, convertor));
  if (write && implementsUpdater<T>(storage)) {
    router.put(`${base}/:name`, updateHandler(storage, write, convertor));
    router.patch(`${base}/:name`, patchHandler(storage, write, convertor));
  }
  if (implementsDeleter<T>(storage)) router.delete(`${base}/:name`, deleteHandler(storage, convertor, d));
  router.all([base, `${base}/:name`], (req: Request, _res: Response, next: NextFunction) => {
    const action = req.method === 'DELETE' && !req.params.name ? 'deletecollection' : req.method.toLowerCase();
    next(methodNotSupported(gr, action));
  });
  return { router, descriptor };
}
