import type { Request, Response } from 'express';
import type { RequestContext } from '../../registry/rest.js';

/** The registry's view of a request: who asks, and a signal that aborts when the client goes away. */
export function requestContext(req: Request, res: Response): RequestContext {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  if (!req.user) throw new Error('handlers run after authentication, which sets the user');
  return { user: req.user, signal: controller.signal };
}
