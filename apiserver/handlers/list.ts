import type { NextFunction, Request, Response } from 'express';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { Lister } from '../../registry/rest.js';
import type { TableConvertor } from '../../registry/table-convertor.js';
import { writeList } from '../encoding/output.js';
import { requestContext } from './context.js';
import { parseListOptions } from './list-options.js';

export function listHandler<T extends { metadata: ObjectMeta }>(storage: Lister<T>, convertor: TableConvertor<T>,
  kind: { apiVersion: string; listKind: string }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const options = parseListOptions(req.query as Record<string, string>);
      const list = await storage.list(requestContext(req, res), options);
      writeList(req, res, { apiVersion: kind.apiVersion, kind: kind.listKind, metadata: list.metadata, items: list.items }, convertor);
    } catch (err) {
      next(err);
    }
  };
}
