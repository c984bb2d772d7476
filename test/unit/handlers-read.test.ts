// The get, list and watch handlers (apiserver/handlers/get.ts, list.ts, watch.ts) as the installer mounts
// them, over a fake storage on loopback HTTP: status codes, the bodies in each output kind, the options the
// storage is handed, and the Status of every refusal. Watch limits are in watch-limits.test.ts.
import { expired, notFound, StatusError, tooManyRequests } from '../../storage/apimachinery/errors.js';
import type { ListOptions } from '../../registry/rest.js';
import type { Space } from '../../registry/space/types.js';
import type { LoopbackApp } from './loopback-app.js';
import { call } from './loopback-app.js';
import { until } from '../support/async.js';
import { FakeSpaces, serveSpaces, space, SPACES_PATH } from './handler-fixtures.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

let storage: FakeSpaces;
let app: LoopbackApp;
beforeEach(async () => {
  storage = new FakeSpaces();
  app = await serveSpaces(storage);
});
afterEach(() => app.close());

const get = (path: string, headers: Record<string, string> = {}) => call(app.base, 'GET', `${SPACES_PATH}${path}`, { headers });
const optionsOf = (verb: string) => storage.calls.find((c) => c.verb === verb)?.options as ListOptions;

describe('get handler', () => {
  it('answers 200 with the object the storage returns, for the requesting user', async () => {
    const answer = await get('/team-a', { 'x-test-user': 'alice' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.json).toEqual(space('team-a'));
    expect(storage.calls).toEqual([{ verb: 'get', user: 'alice', name: 'team-a' }]);
  });

  it('indents the JSON for ?pretty=true', async () => {
    const answer = await get('/team-a?pretty=true');
    expect(answer.text).toBe(`${JSON.stringify(space('team-a'), null, 2)}\n`);
  });

  it('answers a one-row Table, and PartialObjectMetadata, when the Accept header asks', async () => {
    const table = await get('/team-a', { accept: TABLE });
    expect(table.json).toMatchObject({
      kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '5' },
      columnDefinitions: [{ name: 'Name' }, { name: 'Account' }, { name: 'Status' }, { name: 'Age' }],
      rows: [{ cells: ['team-a', 'acct', 'Active', expect.any(String) as unknown], object: { kind: 'PartialObjectMetadata' } }],
    });
    const partial = await get('/team-a', { accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' });
    expect(partial.json).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: space('team-a').metadata });
  });

  it('answers the storage\'s Status with its code', async () => {
    storage.answer = () => notFound({ group: 'tenancy.kiosk.sh', resource: 'spaces' }, 'team-x');
    const answer = await get('/team-x');
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound',
      message: 'spaces.tenancy.kiosk.sh "team-x" not found', details: { name: 'team-x', group: 'tenancy.kiosk.sh', kind: 'spaces' },
    });
  });

  it('answers 500 InternalError for anything else the storage throws', async () => {
    storage.answer = () => new Error('index exploded');
    const answer = await get('/team-a');
    expect(answer.status).toBe(500);
    expect(answer.json).toMatchObject({ code: 500, reason: 'InternalError', message: 'Internal error occurred: index exploded' });
  });

  it('answers 406 NotAcceptable for an Accept header it cannot serve', async () => {
    const answer = await get('/team-a', { accept: 'text/html' });
    expect(answer.status).toBe(406);
    expect(answer.json).toMatchObject({ code: 406, reason: 'NotAcceptable' });
  });
});

describe('list handler', () => {
  it('answers the list the storage returns with the list kind, and hands it the parsed options', async () => {
    const answer = await get('?limit=1&continue=abc&labelSelector=team%3Da');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'SpaceList', metadata: { resourceVersion: '9' }, items: [space('a'), space('b')] });
    const options = optionsOf('list');
    expect(options).toMatchObject({ limit: 1, continueToken: 'abc', resourceVersion: '', watch: false });
    expect([options.labelSelector.matches({ team: 'a' }), options.labelSelector.matches({ team: 'b' })]).toEqual([true, false]);
  });

  it('answers a Table with a row per item and the list metadata, or a PartialObjectMetadataList', async () => {
    storage.listed = { metadata: { resourceVersion: '9', continue: 'next', remainingItemCount: 3 }, items: [space('a'), space('b')] };
    const table = await get('', { accept: TABLE });
    expect(table.json).toMatchObject({ kind: 'Table', metadata: { resourceVersion: '9', continue: 'next', remainingItemCount: 3 } });
    expect((table.json as { rows: Array<{ cells: unknown[] }> }).rows.map((r) => r.cells[0])).toEqual(['a', 'b']);
    const partial = await get('', { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    expect(partial.json).toEqual({
      kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '9', continue: 'next', remainingItemCount: 3 },
      items: [space('a'), space('b')].map((s) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: s.metadata })),
    });
  });

  it.each<[string, number, string]>([
    ['?labelSelector=a%20in%20(', 400, 'BadRequest'],
    ['?limit=-1', 400, 'BadRequest'],
    ['?resourceVersion=abc', 400, 'BadRequest'],
    ['?resourceVersionMatch=Exact', 422, 'Invalid'],
    ['?sendInitialEvents=true', 422, 'Invalid'],
  ])('refuses %s with %d before asking the storage', async (query, code, reason) => {
    const answer = await get(query);
    expect(answer.status).toBe(code);
    expect(answer.json).toMatchObject({ kind: 'Status', code, reason });
    expect(storage.calls).toEqual([]);
  });

  it('names the invalid list options as upstream does', async () => {
    expect((await get('?limit=-1')).json).toMatchObject({ message: 'invalid value "-1" for limit: must be a non-negative integer' });
    expect((await get('?resourceVersionMatch=Exact')).json).toMatchObject({
      message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    });
  });

  it('answers the storage\'s Status, with Retry-After for a 429', async () => {
    storage.list = () => Promise.reject(tooManyRequests('storage is (re)initializing', 1));
    const answer = await get('');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.json).toMatchObject({ code: 429, reason: 'TooManyRequests', message: 'storage is (re)initializing' });
  });
});

/** A watch's body so far, once it ended or once `lines` lines have come. */
async function watch(query: string, lines: number, abort?: AbortController): Promise<{ status: number; events: Array<{ type: string; object: Record<string, unknown> }> }> {
  const res = await fetch(`${app.base}${SPACES_PATH}?watch=true${query}`, { signal: abort?.signal });
  if (!res.body) throw new Error('the watch has no body');
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  let text = '';
  const decoder = new TextDecoder();
  while (text.split('\n').length <= lines) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  const events = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
  return { status: res.status, events };
}

describe('watch handler', () => {
  it('answers 200 and streams the storage\'s events as JSON lines, with the parsed options', async () => {
    storage.initial = [{ type: 'ADDED', object: space('a', '3') }, { type: 'MODIFIED', object: space('a', '4') }];
    const abort = new AbortController();
    const { status, events } = await watch('&resourceVersion=2&labelSelector=x%3Dy', 2, abort);
    abort.abort();
    expect(status).toBe(200);
    expect(events).toEqual([{ type: 'ADDED', object: space('a', '3') }, { type: 'MODIFIED', object: space('a', '4') }]);
    expect(optionsOf('watch')).toMatchObject({ watch: true, resourceVersion: '2' });
  });

  it('ends the initial events with a bookmark at the current resourceVersion when asked for them', async () => {
    storage.initial = [{ type: 'ADDED', object: space('a', '3') }];
    storage.rv = '12';
    const abort = new AbortController();
    const { events } = await watch('&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', 2, abort);
    abort.abort();
    expect(events).toEqual([
      { type: 'ADDED', object: space('a', '3') },
      { type: 'BOOKMARK', object: { kind: 'Space', apiVersion: 'tenancy.kiosk.sh/v1alpha1', metadata: { resourceVersion: '12', annotations: { 'k8s.io/initial-events-end': 'true' } } } },
    ]);
  });

  it('sends the events the storage delivers after the watch started', async () => {
    const abort = new AbortController();
    const first = watch('', 1, abort);
    await until(() => storage.sinks.length > 0, 10_000);
    for (const sink of storage.sinks) sink({ type: 'DELETED', object: space('b', '6') });
    const { events } = await first;
    abort.abort();
    expect(events).toEqual([{ type: 'DELETED', object: space('b', '6') }]);
  });

  it('answers a watch that cannot start with 200 and one ERROR event with the Status, as kube-apiserver does', async () => {
    storage.initial = expired('too old resource version: 1 (5)');
    const { status, events } = await watch('&resourceVersion=1', 10);
    expect(status).toBe(200);
    expect(events).toEqual([{ type: 'ERROR', object: expired('too old resource version: 1 (5)').toStatus() }]);
  });

  it('wraps anything else a watch throws as a 500 Status in the ERROR event', async () => {
    storage.initial = new Error('hub gone');
    const { events } = await watch('', 10);
    expect(events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ code: 500, message: 'Internal error occurred: hub gone' }) as unknown }]);
  });

  it('closes the storage\'s watch when the client goes away', async () => {
    const abort = new AbortController();
    storage.initial = [{ type: 'ADDED', object: space('a') }];
    await watch('', 1, abort);
    expect(storage.openWatches).toBe(1);
    abort.abort();
    await until(() => storage.openWatches === 0, 10_000);
  });

  it('refuses invalid watch options with the Status before anything streams', async () => {
    const answer = await get('?watch=true&resourceVersionMatch=NotOlderThan');
    expect(answer.status).toBe(422);
    expect(answer.json).toMatchObject({ reason: 'Invalid', message: expect.stringContaining('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided') as unknown });
    expect(storage.calls).toEqual([]);
  });
});

describe('verbs a storage does not implement', () => {
  it('answers 405 MethodNotAllowed for a watch or list of a get-only storage, and the get works', async () => {
    await app.close();
    const getOnly = { get: (_ctx: unknown, name: string): Promise<Space> => Promise.resolve(space(name)) };
    app = await serveSpaces(getOnly);
    expect((await get('/a')).status).toBe(200);
    const w = await get('?watch=true');
    expect(w.status).toBe(405);
    expect(w.json).toMatchObject({ code: 405, reason: 'MethodNotAllowed', message: 'watch is not supported on resources of kind "spaces.tenancy.kiosk.sh"' });
    expect((await get('')).json).toMatchObject({ code: 405, message: 'list is not supported on resources of kind "spaces.tenancy.kiosk.sh"' });
    expect((await call(app.base, 'DELETE', SPACES_PATH)).json).toMatchObject({ code: 405, message: 'deletecollection is not supported on resources of kind "spaces.tenancy.kiosk.sh"' });
  });

  it('keeps a StatusError thrown by a verb a StatusError (not re-wrapped as a 500)', async () => {
    storage.answer = () => new StatusError(409, 'Conflict', 'Operation cannot be fulfilled');
    expect((await get('/a')).json).toMatchObject({ code: 409, reason: 'Conflict', message: 'Operation cannot be fulfilled' });
  });
});
