import type { NextFunction, Request, Response } from 'express';
import { badRequest, requestEntityTooLarge, StatusError, toStatusError } from '../../storage/apimachinery/errors.js';
import type { Logger } from '../../storage/logger.js';
import { writeStatus } from '../encoding/status.js';
import { loggedUri } from './instrumentation.js';

/** Errors from body parsing (express/body-parser) carry an HTTP status and a type; map them to Status. */
function fromHttpError(err: unknown): StatusError | undefined {
  const e = err as { status?: number; type?: string; message?: string; limit?: number } | null | undefined;
  if (e?.type === 'entity.too.large') return requestEntityTooLarge(`limit is ${String(e.limit)}`);
  if (e?.type === 'entity.parse.failed') return badRequest(`the body of the request could not be decoded as JSON: ${String(e.message)}`);
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new StatusError(e.status, 'BadRequest', e.message ?? 'bad request');
  return undefined;
}

/** The last handler: anything thrown anywhere leaves as a Status; unexpected errors are logged as 500s. */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = err instanceof StatusError ? err : fromHttpError(err) ?? toStatusError(err);
    if (status.code >= 500) log.error('request failed', err, { verb: req.method, uri: loggedUri(req.originalUrl) });
    writeStatus(res, status);
  };
}

/** Anything no route matched is a 404 Status, as genericapiserver's NotFound handler writes it. */
export function notFoundHandler() {
  return (_req: Request, res: Response) => {
    writeStatus(res, new StatusError(404, 'NotFound', 'the server could not find the requested resource', {}));
  };
}
