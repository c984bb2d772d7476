import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { openapiRouter } from '../../apiserver/endpoints/openapi.js';
import { accountResource } from '../../registry/account/resource.js';
import type { ResourceDescriptor } from '../../registry/resource.js';
import { spaceResource } from '../../registry/space/resource.js';

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
const ALL_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const GV_KEY = 'apis/tenancy.kiosk.sh/v1alpha1';
const GV_PATH = `/openapi/v3/${GV_KEY}`;
const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const SPACE_GVK = { group: 'tenancy.kiosk.sh', kind: 'Space', version: 'v1alpha1' };

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Drives the router as express would, without a socket: only url, method and headers are read. */
function call(router: ReturnType<typeof openapiRouter>, url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const replyHeaders: Record<string, string> = {};
    const res = {
      statusCode: 200,
      setHeader(name: string, value: string) { replyHeaders[name.toLowerCase()] = value; return res; },
      getHeader(name: string) { return replyHeaders[name.toLowerCase()]; },
      end(body?: string) { resolve({ status: res.statusCode, headers: replyHeaders, body: body ?? '' }); },
    };
    const req = { method: 'GET', url, headers: { accept: 'application/json', ...headers } };
    router(req as unknown as Request, res as unknown as Response, (err?: unknown) =>
      reject(err instanceof Error ? err : new Error(`not handled: ${url}`)));
  });
}

/** The parts of the documents these tests read. */
interface Operation {
  parameters: Array<{ name: string }>;
  requestBody: { content: Record<string, unknown> };
}
interface GroupVersionDocument {
  openapi: string;
  info: unknown;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown> | undefined> };
}
interface RootDocument {
  paths: Record<string, { serverRelativeURL: string }>;
}
const rootJson = async (router: ReturnType<typeof openapiRouter>) => JSON.parse((await call(router, '/openapi/v3')).body) as RootDocument;
interface SwaggerDocument {
  swagger: string;
  definitions: Record<string, { 'x-kubernetes-group-version-kind'?: unknown; properties: { metadata: { $ref: string } } } | undefined>;
  paths: Record<string, Record<string, { consumes: string[] }>>;
}
const swaggerJson = async (router: ReturnType<typeof openapiRouter>) => JSON.parse((await call(router, '/openapi/v2')).body) as SwaggerDocument;
const gvJson = async (router: ReturnType<typeof openapiRouter>) => JSON.parse((await call(router, GV_PATH)).body) as GroupVersionDocument;
const router = (resources: ResourceDescriptor[] = [spaceResource(ALL_VERBS), accountResource(ALL_VERBS)], patchTypes = PATCH_TYPES) =>
  openapiRouter(resources, { patchTypes });

/** Every "$ref" in a document, for checking that it is self-contained. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('OpenAPI v3', () => {
  it('lists only our group-version in the root, with the hash of the document bytes', async () => {
    const r = router();
    const root = await rootJson(r);
    expect(Object.keys(root)).toEqual(['paths']);
    expect(Object.keys(root.paths)).toEqual([GV_KEY]);
    const doc = await call(r, GV_PATH);
    const hash = createHash('sha512').update(doc.body).digest('hex').toUpperCase();
    expect(root.paths[GV_KEY]).toEqual({ serverRelativeURL: `${GV_PATH}?hash=${hash}` });
  });

  it('puts the GVK extension and action on the list and get operations of spaces', async () => {
    const doc = await gvJson(router());
    expect(doc.openapi).toBe('3.0.0');
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest types its asymmetric matchers as any
    expect(doc.info).toEqual({ title: expect.any(String), version: expect.any(String) });
    const list = doc.paths[SPACES]!.get!;
    const get = doc.paths[`${SPACES}/{name}`]!.get;
    expect(list).toMatchObject({ operationId: 'listTenancyKioskShV1alpha1Space', 'x-kubernetes-action': 'list', 'x-kubernetes-group-version-kind': SPACE_GVK });
    expect(get).toMatchObject({ operationId: 'readTenancyKioskShV1alpha1Space', 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': SPACE_GVK });
    expect(list.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(
      ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'resourceVersionMatch', 'watch', 'allowWatchBookmarks', 'sendInitialEvents', 'timeoutSeconds']));
    expect(doc.components.schemas['sh.kiosk.tenancy.v1alpha1.Space']!['x-kubernetes-group-version-kind']).toEqual([SPACE_GVK]);
  });

  it('advertises exactly the given patch types, with fieldValidation and force on PATCH', async () => {
    const patch = (await gvJson(router())).paths[`${SPACES}/{name}`]!.patch!;
    expect(Object.keys(patch.requestBody.content)).toEqual(PATCH_TYPES);
    expect(patch.parameters.map((p) => p.name)).toEqual(['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    const other = (await gvJson(router(undefined, ['application/merge-patch+json']))).paths[`${SPACES}/{name}`]!.patch!;
    expect(Object.keys(other.requestBody.content)).toEqual(['application/merge-patch+json']);
  });

  it('is self-contained: every $ref resolves inside the document', async () => {
    const doc = await gvJson(router());
    const dangling = refs(doc).filter((ref) => !doc.components.schemas[ref.replace('#/components/schemas/', '')]);
    expect(dangling).toEqual([]);
  });

  it('has a stable hash that changes with the content', async () => {
    const hashOf = async (r: ReturnType<typeof router>) => (await rootJson(r)).paths[GV_KEY]!.serverRelativeURL;
    expect(await hashOf(router())).toBe(await hashOf(router()));
    expect(await hashOf(router(undefined, ['application/merge-patch+json']))).not.toBe(await hashOf(router()));
  });

  it('serves a wrong or missing hash with 200 and no-cache; the right one as immutable', async () => {
    const r = router();
    const url = (await rootJson(r)).paths[GV_KEY]!.serverRelativeURL;
    const right = await call(r, url);
    expect(right.status).toBe(200);
    expect(right.headers['cache-control']).toBe('public, immutable');
    for (const wrongUrl of [`${GV_PATH}?hash=DEADBEEF`, GV_PATH]) {
      const wrong = await call(r, wrongUrl);
      expect(wrong.status).toBe(200);
      expect(wrong.headers['cache-control']).toBe('no-cache, private');
      expect(wrong.body).toBe(right.body);
    }
  });

  it('answers a matching If-None-Match with 304 and a stale one with the document', async () => {
    const r = router();
    const first = await call(r, GV_PATH);
    expect(first.headers.etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect((await call(r, GV_PATH, { 'if-none-match': first.headers.etag! })).status).toBe(304);
    expect((await call(r, GV_PATH, { 'if-none-match': '"stale"' })).status).toBe(200);
    const root = await call(r, '/openapi/v3');
    expect((await call(r, '/openapi/v3', { 'if-none-match': root.headers.etag! })).status).toBe(304);
  });

  it('refuses protobuf-only clients with 406 instead of sending JSON they cannot read', async () => {
    await expect(call(router(), GV_PATH, { accept: 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf' }))
      .rejects.toMatchObject({ code: 406, reason: 'NotAcceptable' });
  });

  it('publishes operations only for implemented verbs, and nothing for a resource without verbs', async () => {
    const doc = await gvJson(router([spaceResource(['get', 'list', 'watch']), accountResource([])]));
    expect(Object.keys(doc.paths)).toEqual([SPACES, `${SPACES}/{name}`]);
    expect(Object.keys(doc.paths[SPACES]!).sort()).toEqual(['get', 'parameters']);
    expect(Object.keys(doc.paths[`${SPACES}/{name}`]!).sort()).toEqual(['get', 'parameters']);
    expect(doc.components.schemas['sh.kiosk.tenancy.v1alpha1.Account']).toBeUndefined();
    const listOnly = await gvJson(router([spaceResource(['list'])]));
    expect(Object.keys(listOnly.paths)).toEqual([SPACES]);
    expect(listOnly.paths[SPACES]!.get!.parameters.map((p) => p.name)).not.toContain('watch');
  });

  it('lists no group-version when no resource has operations', async () => {
    expect(await rootJson(router([spaceResource([])]))).toEqual({ paths: {} });
  });
});

describe('OpenAPI v2', () => {
  it('has the Space definition with its GVK, and PATCH consumes exactly the patch types', async () => {
    const r = router();
    const doc = await swaggerJson(r);
    expect(doc.swagger).toBe('2.0');
    const space = doc.definitions['sh.kiosk.tenancy.v1alpha1.Space']!;
    expect(space['x-kubernetes-group-version-kind']).toEqual([SPACE_GVK]);
    expect(space.properties.metadata.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(doc.paths[`${SPACES}/{name}`]!.patch!.consumes).toEqual(PATCH_TYPES);
    expect(refs(doc).filter((ref) => !doc.definitions[ref.replace('#/definitions/', '')])).toEqual([]);
    const first = await call(r, '/openapi/v2');
    expect((await call(r, '/openapi/v2', { 'if-none-match': first.headers.etag! })).status).toBe(304);
  });
});
