/**
 * The attributes authorization and handlers need, derived from method and path the way
 * k8s.io/apiserver's RequestInfoFactory does (only the /apis prefix: this server has no core group).
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

const VERB_BY_METHOD: Record<string, string> = {
  GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete',
};

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource: RequestInfo = {
    isResourceRequest: false, path, verb: method.toLowerCase(), apiGroup: '', apiVersion: '',
    namespace: '', resource: '', subresource: '', name: '',
  };
  const parts = path.split('/').filter((p) => p !== '');
  // /apis/<group>/<version>/<resource>... ; /apis, /apis/<group> and /apis/<group>/<version> are discovery.
  const [root, apiGroup, apiVersion, ...resourcePath] = parts;
  if (root !== 'apis' || apiGroup === undefined || apiVersion === undefined || resourcePath.length === 0) return nonResource;
  const info: RequestInfo = { ...nonResource, isResourceRequest: true, apiGroup, apiVersion };
  let rest = resourcePath;
  const [first, namespace] = rest;
  if (first === 'namespaces' && namespace !== undefined && rest.length >= 3) {
    info.namespace = namespace;
    rest = rest.slice(2);
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest[2] ?? '';

  const watchParam = query.get('watch');
  const isWatch = watchParam === 'true' || watchParam === '1';
  let verb = VERB_BY_METHOD[method] ?? method.toLowerCase();
  if (!info.name && method === 'GET') verb = isWatch ? 'watch' : 'list';
  if (!info.name && method === 'DELETE') verb = 'deletecollection';
  info.verb = verb;

  // A list or watch selecting one object by name is authorized as a request for that name.
  if ((verb === 'list' || verb === 'watch') && !info.name) {
    const fieldSelector = query.get('fieldSelector') ?? '';
    const m = /^metadata\.name==?([^,]+)$/.exec(fieldSelector);
    if (m?.[1] !== undefined) info.name = m[1];
  }
  return info;
}
