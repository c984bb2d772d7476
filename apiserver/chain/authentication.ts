import type { NextFunction, Request, Response } from 'express';
import { unauthorized } from '../../storage/apimachinery/errors.js';
import type { UserInfo } from '../../storage/user-info.js';
import type { Authenticator } from '../authn/authenticator.js';

declare module 'express-serve-static-core' {
  interface Request {
    user?: UserInfo;
  }
}

/** Authenticates every request; a credential that fails (bad certificate, rejected token) is a 401. */
export function authentication(authenticator: Authenticator) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    try {
      // Already authenticated by an earlier filter (an admission caller's client certificate).
      if (req.user) {
        next();
        return;
      }
      const result = await authenticator.authenticate(req);
      if ('error' in result) {
        next(unauthorized());
        return;
      }
      req.user = result.user;
      next();
    } catch (err) {
      next(err);
    }
  };
}
