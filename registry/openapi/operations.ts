import type { ResourceDescriptor } from '../resource.js';
import type { GroupVersionKind } from '../../storage/apimachinery/group-version.js';
import { DELETE_OPTIONS, PATCH, STATUS } from '../../storage/apimachinery/openapi/upstream.js';

/*
 * The REST operations of a resource, in a neutral form that both the OpenAPI v3 and the Swagger 2.0 renderers
 * read. Operation ids, tags, actions and parameters follow what k8s.io/apiserver's installer publishes for a
 * built-in resource, so generated clients and kubectl treat our resources like any other. Parameter
 * descriptions are our own wording.
 */

export interface Parameter {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'integer' | 'boolean';
  description: string;
  required?: boolean;
}

export interface Response {
  description: string;
  /** Component schema name of the body; none for 401. */
  schema?: string;
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** x-kubernetes-action. */
  action: 'list' | 'get' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
  operationId: string;
  description: string;
  parameters: Parameter[];
  body?: { schema: string; contentTypes: string[]; required: boolean };
  /** Media types the 2xx bodies are served in. */
  produces: string[];
  responses: Record<string, Response>;
  gvk: GroupVersionKind;
  tag: string;
}

export interface PathItem {
  path: string;
  parameters: Parameter[];
  operations: Operation[];
}

export interface OperationOptions {
  /** Content types PATCH accepts: exactly what the patch handler implements (kubectl picks its patch by them). */
  patchTypes: string[];
  /** Media types responses are served in. */
  produces: string[];
  /** Media types of a watch stream. */
  watchProduces: string[];
}

const query = (name: string, type: Parameter['type'], description: string): Parameter => ({ name, in: 'query', type, description });

const P = {
  pretty: query('pretty', 'string', 'If \'true\', the output is pretty-printed.'),
  labelSelector: query('labelSelector', 'string', 'Only return objects whose labels match this selector. Defaults to everything.'),
  fieldSelector: query('fieldSelector', 'string', 'Only return objects whose fields match this selector. Defaults to everything.'),
  limit: query('limit', 'integer', 'Return at most this many objects; when more exist, metadata.continue holds a token for the next chunk. Not supported with watch.'),
  continue: query('continue', 'string', 'Token from a previous limited list, to fetch the next chunk of the same query. An expired token gives 410 Gone. Not supported with watch.'),
  resourceVersion: query('resourceVersion', 'string', 'Which resource version the request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: Exact or NotOlderThan. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions'),
  watch: query('watch', 'boolean', 'Stream changes to the described objects as ADDED, MODIFIED and DELETED events. Specify resourceVersion.'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'Ask for BOOKMARK events in a watch. Ignored when not watching.'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', 'With watch=true, begin the stream with the current objects as ADDED events, then a BOOKMARK annotated "k8s.io/initial-events-end": "true". Requires resourceVersionMatch=NotOlderThan.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Timeout for the list or watch call, regardless of activity.'),
  dryRun: query('dryRun', 'string', '"All" runs every stage of the request without persisting anything.'),
  fieldManager: query('fieldManager', 'string', 'Name of the actor making the change: at most 128 printable characters.'),
  patchFieldManager: query('fieldManager', 'string', 'Name of the actor making the change: at most 128 printable characters. Required for apply patches (application/apply-patch+yaml), optional for the other patch types.'),
  fieldValidation: query('fieldValidation', 'string', 'What to do with unknown or duplicate fields in the body: Ignore (drop them), Warn (drop them with a warning; the default) or Strict (fail with 400 Bad Request).'),
  force: query('force', 'boolean', 'Force an apply patch: take over fields that other managers own. Must be unset for other patch types.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; 0 means at once. Unset uses the default of the resource.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether to orphan the dependents.'),
  propagationPolicy: query('propagationPolicy', 'string', 'Garbage collection of dependents: Orphan, Background or Foreground.'),
};

const OK = (schema: string): Response => ({ description: 'OK', schema });
const CREATED = (schema: string): Response => ({ description: 'Created', schema });
const ACCEPTED = (schema: string): Response => ({ description: 'Accepted', schema });
const UNAUTHORIZED: Response = { description: 'Unauthorized' };

/** `ToValidOperationID` of k8s.io/apiserver: drop punctuation, capitalise what followed it. */
function camel(s: string, capitalizeFirst: boolean): string {
  let out = '';
  let capitalize = capitalizeFirst;
  for (const [i, ch] of Array.from(s).entries()) {
    if (/\p{L}/u.test(ch) || ch === '_' || (i !== 0 && /\p{Nd}/u.test(ch))) {
      out += capitalize ? ch.toUpperCase() : ch;
      capitalize = false;
    } else {
      capitalize = true;
    }
  }
  return out;
}

/** The schema names a resource's operations refer to. */
export interface ResourceSchemas {
  kind: string;
  list: string;
}

/**
 * The path items of one resource, with one operation per verb its storage implements. A verb that is not
 * implemented gets no operation, so clients are never told about calls that would fail; a resource without
 * verbs gets no path at all. `watch` adds the watch parameters to the list operation (we serve watch only as
 * `?watch=true`, not under the deprecated `/watch/` prefix, so there is no separate watch path); a resource
 * that can be watched but not listed therefore has no collection GET.
 */
export function resourcePaths(r: ResourceDescriptor, schemas: ResourceSchemas, options: OperationOptions): PathItem[] {
  const verbs = new Set(r.verbs);
  const trimmedGroup = r.group.replace(/\.k8s\.io$/, '');
  const gv = `${camel(trimmedGroup, true)}${camel(r.version, true)}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const base = `/apis/${r.group}/${r.version}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
  const common = {
    gvk: { group: r.group, kind: r.kind, version: r.version },
    tag: `${camel(trimmedGroup, false)}_${camel(r.version, false)}`,
  };
  const id = (verb: string, collection = false) => `${verb}${gv}${collection ? 'Collection' : ''}${scope}${r.kind}`;
  const writeParams = [P.dryRun, P.fieldManager, P.fieldValidation];
  const objectBody = { schema: schemas.kind, contentTypes: ['*/*'], required: true };
  const deleteBody = { schema: DELETE_OPTIONS, contentTypes: ['*/*'], required: false };
  const namespaceParam: Parameter[] = r.namespaced
    ? [{ name: 'namespace', in: 'path', type: 'string', description: 'Namespace of the objects.', required: true }]
    : [];

  const collection: Operation[] = [];
  if (verbs.has('list')) {
    const watch = verbs.has('watch');
    collection.push({
      ...common, method: 'get', action: 'list', operationId: id('list'),
      description: `${watch ? 'list or watch' : 'list'} objects of kind ${r.kind}`,
      parameters: watch
        ? [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion,
          P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch]
        : [P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.timeoutSeconds],
      produces: watch ? [...options.produces, ...options.watchProduces] : options.produces,
      responses: { 200: OK(schemas.list), 401: UNAUTHORIZED },
    });
  }
  if (verbs.has('create')) {
    collection.push({
      ...common, method: 'post', action: 'post', operationId: id('create'), description: `create ${article(r.kind)} ${r.kind}`,
      parameters: writeParams, body: objectBody, produces: options.produces,
      responses: { 200: OK(schemas.kind), 201: CREATED(schemas.kind), 202: ACCEPTED(schemas.kind), 401: UNAUTHORIZED },
    });
  }
  if (verbs.has('deletecollection')) {
    collection.push({
      ...common, method: 'delete', action: 'deletecollection', operationId: id('delete', true),
      description: `delete collection of ${r.kind}`,
      parameters: [P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.labelSelector, P.limit,
        P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds],
      body: deleteBody, produces: options.produces, responses: { 200: OK(STATUS), 401: UNAUTHORIZED },
    });
  }

  const item: Operation[] = [];
  if (verbs.has('get')) {
    item.push({
      ...common, method: 'get', action: 'get', operationId: id('read'), description: `read the specified ${r.kind}`,
      parameters: [], produces: options.produces, responses: { 200: OK(schemas.kind), 401: UNAUTHORIZED },
    });
  }
  if (verbs.has('update')) {
    item.push({
      ...common, method: 'put', action: 'put', operationId: id('replace'), description: `replace the specified ${r.kind}`,
      parameters: writeParams, body: objectBody, produces: options.produces,
      responses: { 200: OK(schemas.kind), 201: CREATED(schemas.kind), 401: UNAUTHORIZED },
    });
  }
  if (verbs.has('patch')) {
    item.push({
      ...common, method: 'patch', action: 'patch', operationId: id('patch'), description: `partially update the specified ${r.kind}`,
      parameters: [P.dryRun, P.patchFieldManager, P.fieldValidation, P.force],
      body: { schema: PATCH, contentTypes: [...options.patchTypes], required: true }, produces: options.produces,
      responses: { 200: OK(schemas.kind), 201: CREATED(schemas.kind), 401: UNAUTHORIZED },
    });
  }
  if (verbs.has('delete')) {
    item.push({
      ...common, method: 'delete', action: 'delete', operationId: id('delete'), description: `delete ${article(r.kind)} ${r.kind}`,
      parameters: [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy],
      body: deleteBody, produces: options.produces,
      responses: { 200: OK(STATUS), 202: ACCEPTED(STATUS), 401: UNAUTHORIZED },
    });
  }

  const nameParam: Parameter = { name: 'name', in: 'path', type: 'string', description: `name of the ${r.kind}`, required: true };
  const paths: PathItem[] = [];
  if (collection.length) paths.push({ path: base, parameters: [...namespaceParam, P.pretty], operations: collection });
  if (item.length) paths.push({ path: `${base}/{name}`, parameters: [nameParam, ...namespaceParam, P.pretty], operations: item });
  return paths;
}

const article = (kind: string) => (/^[AEIOU]/.test(kind) ? 'an' : 'a');
