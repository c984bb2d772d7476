import type { NextFunction, Request, Response } from 'express';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { Getter } from '../../registry/rest.js';
import type { TableConvertor } from '../../registry/table-convertor.js';
import { writeObject } from '../encoding/output.js';
import { requestContext } from './context.js';

export function getHandler<T extends { metadata: ObjectMeta }>(storage: Getter<T>, convertor: TableConvertor<T>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const obj = await storage.get(requestContext(req, res), String(req.params.name));
      writeObject(req, res, 200, obj, convertor);
    } catch (err) {
      next(err);
    }
  };
}
