import type { NextFunction, Request, Response } from 'express';
import { requestEntityTooLarge } from '../../storage/apimachinery/errors.js';

/** kube-apiserver's --max-request-body-bytes default for JSON bodies. */
const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

declare module 'express-serve-static-core' {
  interface Request {
    rawBody?: Buffer;
  }
}

/**
 * Reads the body of writes into memory, refusing more than the limit with 413 as kube-apiserver does.
 * Handlers decode it themselves: the content type decides the patch semantics, and strict field
 * validation needs the raw text.
 */
export function readBody(limit = MAX_REQUEST_BODY_BYTES) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH' && req.method !== 'DELETE') return next();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      return next(requestEntityTooLarge(`limit is ${limit}`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        next(requestEntityTooLarge(`limit is ${limit}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      req.rawBody = Buffer.concat(chunks);
      next();
    });
    req.on('error', (err) => {
      if (!failed) next(err);
    });
  };
}
