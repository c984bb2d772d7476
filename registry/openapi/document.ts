import type { ResourceDescriptor } from '../resource.js';
import type { Operation, OperationOptions, Parameter, PathItem } from './operations.js';
import { resourcePaths } from './operations.js';
import type { GroupVersionKind } from '../../storage/apimachinery/group-version.js';
import type { Schema } from '../../storage/apimachinery/openapi/schema.js';
import { GVK_EXTENSION, ref, toSwaggerV2 } from '../../storage/apimachinery/openapi/schema.js';
import { DELETE_OPTIONS, PATCH, STATUS, WATCH_EVENT } from '../../storage/apimachinery/openapi/upstream.js';

/*
 * OpenAPI v3 (one document per group/version, as kube-apiserver's OpenAPI v3 controller fetches them) and
 * Swagger 2.0 (one document) for a set of resources. Pure functions of their inputs, so the apiserver can
 * render them once and hash the bytes.
 */

export interface DocumentOptions extends OperationOptions {
  info: { title: string; version: string };
}

const SECURITY_SCHEME = { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' };

/** Upstream types every document carries: errors are Status, and delete, patch and watch bodies are typed. */
const ALWAYS = [STATUS, DELETE_OPTIONS, PATCH, WATCH_EVENT];

const hasGVK = (schema: Schema, gvk: GroupVersionKind) =>
  Array.isArray(schema[GVK_EXTENSION])
  && (schema[GVK_EXTENSION] as GroupVersionKind[]).some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind);

/** The schema carrying this GVK, found the way kubectl finds it: by x-kubernetes-group-version-kind. */
function schemaFor(catalogue: Record<string, Schema>, gvk: GroupVersionKind): string {
  const found = Object.entries(catalogue).find(([, schema]) => hasGVK(schema, gvk));
  if (!found) throw new Error(`openapi: no schema for ${gvk.group}/${gvk.version}, Kind=${gvk.kind}`);
  return found[0];
}

function refsOf(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) schema.forEach((s) => refsOf(s, into));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') into.add(value.slice(value.lastIndexOf('/') + 1));
      else refsOf(value, into);
    }
  }
}

/** The named schemas plus everything they refer to, so a document never holds a dangling $ref. */
function closure(catalogue: Record<string, Schema>, roots: Iterable<string>): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (out[name]) continue;
    const schema = catalogue[name];
    if (!schema) throw new Error(`openapi: schema ${name} is referenced but not defined`);
    out[name] = schema;
    const refs = new Set<string>();
    refsOf(schema, refs);
    pending.push(...refs);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Paths and schemas for resources. A resource without operations contributes nothing, not even its schema:
 * `kubectl explain` needs both a schema with the GVK and an operation (get/post/put/patch/delete) carrying it
 * under the resource's path, so a schema alone would only produce "GVR ... not found in OpenAPI schema".
 */
function collect(resources: ResourceDescriptor[], catalogue: Record<string, Schema>, options: OperationOptions) {
  const paths: PathItem[] = [];
  const roots = new Set(ALWAYS);
  for (const r of resources) {
    const schemas = {
      kind: schemaFor(catalogue, { group: r.group, kind: r.kind, version: r.version }),
      list: schemaFor(catalogue, { group: r.group, kind: r.listKind, version: r.version }),
    };
    const items = resourcePaths(r, schemas, options);
    if (!items.length) continue;
    paths.push(...items);
    roots.add(schemas.kind).add(schemas.list);
  }
  return { paths, schemas: closure(catalogue, roots) };
}

const extensions = (op: Operation) => ({ 'x-kubernetes-action': op.action, [GVK_EXTENSION]: op.gvk });

function v3Parameter(p: Parameter) {
  return { description: p.description, in: p.in, name: p.name, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

function v3Operation(op: Operation) {
  const content = (schema: string, types: string[]) => Object.fromEntries(types.map((t) => [t, { schema: ref(schema) }]));
  return {
    description: op.description,
    operationId: op.operationId,
    ...(op.parameters.length ? { parameters: op.parameters.map(v3Parameter) } : {}),
    ...(op.body ? { requestBody: { content: content(op.body.schema, op.body.contentTypes), ...(op.body.required ? { required: true } : {}) } } : {}),
    responses: Object.fromEntries(Object.entries(op.responses).map(([code, r]) =>
      [code, { ...(r.schema ? { content: content(r.schema, op.produces) } : {}), description: r.description }])),
    tags: [op.tag],
    ...extensions(op),
  };
}

/**
 * The OpenAPI 3.0 document of one group/version (`/openapi/v3/apis/<group>/<version>`). All resources must
 * belong to that group/version; the catalogue must define their kinds (found by GVK) and everything those
 * refer to. Throws when a schema is missing, so a gap shows at start-up rather than in `kubectl explain`.
 */
export function openAPIV3Document(resources: ResourceDescriptor[], catalogue: Record<string, Schema>, options: DocumentOptions): object {
  const { paths, schemas } = collect(resources, catalogue, options);
  return {
    components: { schemas, securitySchemes: { BearerToken: SECURITY_SCHEME } },
    info: options.info,
    openapi: '3.0.0',
    paths: Object.fromEntries(paths.map((item) => [item.path, {
      ...Object.fromEntries(item.operations.map((op) => [op.method, v3Operation(op)])),
      parameters: item.parameters.map(v3Parameter),
    }])),
  };
}

function v2Parameter(p: Parameter) {
  return { description: p.description, in: p.in, name: p.name, ...(p.required ? { required: true } : {}), type: p.type, uniqueItems: true };
}

function v2Operation(op: Operation) {
  const body = op.body
    ? [{ in: 'body', name: 'body', ...(op.body.required ? { required: true } : {}), schema: { $ref: `#/definitions/${op.body.schema}` } }]
    : [];
  return {
    consumes: op.body ? op.body.contentTypes : ['*/*'],
    description: op.description,
    operationId: op.operationId,
    ...(op.parameters.length || body.length ? { parameters: [...body, ...op.parameters.map(v2Parameter)] } : {}),
    produces: op.produces,
    responses: Object.fromEntries(Object.entries(op.responses).map(([code, r]) =>
      [code, { description: r.description, ...(r.schema ? { schema: { $ref: `#/definitions/${r.schema}` } } : {}) }])),
    schemes: ['https'],
    tags: [op.tag],
    ...extensions(op),
  };
}

/**
 * The Swagger 2.0 document (`/openapi/v2`) for all resources: the same paths and definition names as the v3
 * documents, with PATCH's `consumes` listing exactly the accepted patch types.
 */
export function swaggerV2Document(resources: ResourceDescriptor[], catalogue: Record<string, Schema>, options: DocumentOptions): object {
  const { paths, schemas } = collect(resources, catalogue, options);
  return {
    definitions: Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, toSwaggerV2(schema)])),
    info: options.info,
    paths: Object.fromEntries(paths.map((item) => [item.path, {
      ...Object.fromEntries(item.operations.map((op) => [op.method, v2Operation(op)])),
      parameters: item.parameters.map(v2Parameter),
    }])),
    security: [{ BearerToken: [] }],
    securityDefinitions: { BearerToken: SECURITY_SCHEME },
    swagger: '2.0',
  };
}
