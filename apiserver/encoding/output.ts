import type { Request, Response } from 'express';
import type { ListMeta, ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { TableConvertor } from '../../registry/table-convertor.js';
import type { OutputTarget } from './table.js';
import { negotiateOutput, parseIncludeObject, toPartialObjectMetadata, toPartialObjectMetadataList, toTable } from './table.js';

interface Obj {
  metadata: ObjectMeta;
}

interface List<T> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

/** Sends JSON the way genericapiserver does: application/json whatever the conversion, `?pretty` indents. */
function sendJson(req: Request, res: Response, status: number, body: unknown): void {
  const pretty = req.query.pretty === 'true' || req.query.pretty === '1';
  res.status(status).setHeader('Content-Type', 'application/json');
  res.end(pretty ? JSON.stringify(body, null, 2) + '\n' : JSON.stringify(body));
}

/** Encodes one object as JSON, a one-row Table or PartialObjectMetadata, as the Accept header asks. */
function encodeObject<T extends Obj>(req: Request, target: OutputTarget, obj: T, convertor: TableConvertor<T>): unknown {
  if (target.kind === 'table') {
    return toTable([obj], { resourceVersion: obj.metadata.resourceVersion }, convertor,
      { version: target.version, includeObject: parseIncludeObject(req.query.includeObject as string | undefined), withHeaders: true, now: Date.now() });
  }
  if (target.kind === 'partial') return toPartialObjectMetadata(obj, target.version);
  return obj;
}

export function writeObject<T extends Obj>(req: Request, res: Response, status: number, obj: T, convertor: TableConvertor<T>): void {
  const target = negotiateOutput(req.headers.accept, { isList: false });
  sendJson(req, res, status, encodeObject(req, target, obj, convertor));
}

export function writeList<T extends Obj>(req: Request, res: Response, list: List<T>, convertor: TableConvertor<T>): void {
  const target = negotiateOutput(req.headers.accept, { isList: true });
  if (target.kind === 'table') {
    sendJson(req, res, 200, toTable(list.items, list.metadata, convertor,
      { version: target.version, includeObject: parseIncludeObject(req.query.includeObject as string | undefined), withHeaders: true, now: Date.now() }));
  } else if (target.kind === 'partial') {
    sendJson(req, res, 200, toPartialObjectMetadataList(list.items, list.metadata, target.version));
  } else {
    sendJson(req, res, 200, list);
  }
}
