import type { Response } from 'express';
import type { StatusError } from '../../storage/apimachinery/errors.js';

/** Writes an error as a v1 Status, the only error shape kubectl and client-go understand. */
export function writeStatus(res: Response, err: StatusError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  res.status(err.code).type('application/json').send(JSON.stringify(err.toStatus()));
}
