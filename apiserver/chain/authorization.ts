import type { NextFunction, Request, Response } from 'express';
import { forbidden, StatusError } from '../../storage/apimachinery/errors.js';
import type { AccessAttributes, AccessDecision } from '../../storage/authorization/subject-access-reviewer.js';
import type { UserInfo } from '../../storage/user-info.js';
import { SYSTEM_MASTERS } from '../../storage/user-info.js';
import type { RequestInfo } from './request-info.js';
import { requestInfo } from './request-info.js';

export interface Authorizer {
  authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision>;
}

declare module 'express-serve-static-core' {
  interface Request {
    info?: RequestInfo;
  }
}

/**
 * Health checks stay open to probes without credentials, as genericapiserver's always-allow paths.
 * Admission reviews too: kube-apiserver calls webhooks without credentials unless the cluster is given an
 * admission kubeconfig, and it is not a user RBAC could name. With --admission-client-ca-file the caller was
 * authenticated before this filter (admission/authentication.ts); without it the port must be fenced.
 */
const ALWAYS_ALLOWED_PATHS = new Set(['/healthz', '/livez', '/readyz', '/admission']);

function isAlwaysAllowedPath(path: string): boolean {
  return ALWAYS_ALLOWED_PATHS.has(path) || [...ALWAYS_ALLOWED_PATHS].some((p) => path.startsWith(`${p}/`));
}

/**
 * The longest request path that can name anything this server serves: a resource path is at most a few
 * hundred characters (names are at most 253, namespaces 63), and the non-resource paths are short. A
 * longer one (the request line may reach the 1 MiB header limit) is answered 404 without a
 * SubjectAccessReview: asking kube-apiserver about it would cost a review carrying the whole path (and a
 * 403 echoing it) for a path that cannot exist, and anyone who reaches the port can send such paths.
 */
const MAX_SERVED_PATH_CHARS = 4096;

/** The message kube-apiserver's RBAC denial carries, so kubectl shows the same words for our resources. */
function forbiddenReason(user: UserInfo, info: RequestInfo): string {
  if (!info.isResourceRequest) return `User "${user.username}" cannot ${info.verb} path "${info.path}"`;
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  return `User "${user.username}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}" ${scope}`;
}

/** genericapiserver's NotFound handler's answer, for a path no route can match. */
function pathNotServed(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/**
 * Delegated authorization of every request with SubjectAccessReview. kube-apiserver already authorized
 * proxied requests, but a direct caller was not, and upstream warns never to rely on that.
 */
export function authorization(authorizer: Authorizer) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    try {
      if (req.path.length > MAX_SERVED_PATH_CHARS) {
        next(pathNotServed());
        return;
      }
      const info = requestInfo(req.method, req.path, new URLSearchParams(req.url.split('?')[1] ?? ''));
      req.info = info;
      const user = req.user;
      if (!user) throw new Error('authorization runs after authentication, which sets the user');
      if (isAlwaysAllowedPath(req.path) || user.groups.includes(SYSTEM_MASTERS)) {
        next();
        return;
      }
      const attributes: AccessAttributes = info.isResourceRequest
        ? { verb: info.verb, resource: { group: info.apiGroup, version: info.apiVersion, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name } }
        : { verb: info.verb, path: info.path };
      const decision = await authorizer.authorize(user, attributes);
      if (decision.allowed) {
        next();
        return;
      }
      const reason = forbiddenReason(user, info);
      if (!info.isResourceRequest) {
        next(new StatusError(403, 'Forbidden', `forbidden: ${reason}`, {}));
        return;
      }
      next(forbidden({ group: info.apiGroup, resource: info.resource }, info.name, reason));
    } catch (err) {
      next(err);
    }
  };
}
