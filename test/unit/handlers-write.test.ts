// The write handlers (apiserver/handlers/write.ts) as the installer mounts them, over a fake of the registry's
// verb interfaces on loopback HTTP: what the storage is handed for a create, update, patch and delete (decoded,
// system fields wiped, names checked, options parsed), what the client gets back (201/200, Warning headers), and
// the Status of every refusal. Decoding and patching themselves are in write-decode and write-patch tests.
import { alreadyExists, conflict, notFound } from '../../storage/apimachinery/errors.js';
import type { Space } from '../../registry/space/types.js';
import type { LoopbackApp } from './loopback-app.js';
import { call } from './loopback-app.js';
import type { Call } from './handler-fixtures.js';
import { FakeSpaces, serveSpaces, space, SPACES_PATH } from './handler-fixtures.js';

const SPACES = { group: 'tenancy.kiosk.sh', resource: 'spaces' };
const JSON_TYPE = { 'content-type': 'application/json' };

let storage: FakeSpaces;
let app: LoopbackApp;
beforeEach(async () => {
  storage = new FakeSpaces();
  app = await serveSpaces(storage);
});
afterEach(() => app.close());

const send = (method: string, path: string, body: unknown, headers: Record<string, string> = JSON_TYPE) =>
  call(app.base, method, `${SPACES_PATH}${path}`, { body: typeof body === 'string' ? body : JSON.stringify(body), headers });
const asked = (verb: string): Call[] => storage.calls.filter((c) => c.verb === verb);
/** The object a write handed the storage (every write hands one). */
function sent(c: Call): Space {
  if (!c.object) throw new Error(`${c.verb} was handed no object`);
  return c.object;
}
const sentName = (c: Call): string => sent(c).metadata.name ?? '';
const newSpace = (metadata: Record<string, unknown>, spec: Record<string, unknown> = { account: 'acct' }) =>
  ({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata, spec });

describe('create handler', () => {
  it('answers 201 with what the storage created, having handed it the decoded object and the options', async () => {
    storage.answer = (c) => ({ ...sent(c), metadata: { ...sent(c).metadata, uid: 'new-uid', resourceVersion: '1' } });
    const answer = await send('POST', '?dryRun=All&fieldManager=kubectl', newSpace({ name: 'team-a', labels: { a: 'b' } }));
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ kind: 'Space', metadata: { name: 'team-a', uid: 'new-uid', resourceVersion: '1', labels: { a: 'b' } } });
    expect(asked('create')).toEqual([{
      verb: 'create', user: 'dev', dryRun: true, fieldManager: 'kubectl',
      object: newSpace({ name: 'team-a', labels: { a: 'b' } }),
    }]);
  });

  it('wipes the system fields a client may not set, and clears a namespace (Spaces are cluster-scoped)', async () => {
    const answer = await send('POST', '', newSpace({
      name: 'team-a', uid: 'forged', creationTimestamp: '2020-01-01T00:00:00Z', deletionTimestamp: '2020-01-01T00:00:00Z',
      deletionGracePeriodSeconds: 30, selfLink: '/x', namespace: 'default', generation: 7,
      managedFields: [{ manager: 'x', operation: 'Update', apiVersion: 'tenancy.kiosk.sh/v1alpha1' }],
    }));
    expect(answer.status).toBe(201);
    expect(asked('create')[0]?.object?.metadata).toEqual({ name: 'team-a' });
  });

  it('passes the storage\'s warnings and unknown-field warnings (fieldValidation defaults to Warn) as Warning headers', async () => {
    storage.warn = ['spec.finalizers is ignored'];
    const answer = await send('POST', '', newSpace({ name: 'team-a' }, { account: 'acct', bogus: 1 }));
    expect(answer.status).toBe(201);
    expect(answer.headers.get('warning')).toBe('299 - "unknown field \\"spec.bogus\\"", 299 - "spec.finalizers is ignored"');
  });

  it('refuses unknown fields with 400 under fieldValidation=Strict, without asking the storage', async () => {
    const answer = await send('POST', '?fieldValidation=Strict', newSpace({ name: 'team-a' }, { account: 'acct', bogus: 1 }));
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      reason: 'BadRequest', message: 'Space in version "v1alpha1" cannot be handled as a Space: strict decoding error: unknown field "spec.bogus"',
    });
    expect(storage.calls).toEqual([]);
  });

  it.each<[string, unknown, Record<string, string>, number, string]>([
    ['a resourceVersion', newSpace({ name: 'a', resourceVersion: '3' }), JSON_TYPE, 400, 'resourceVersion should not be set on objects to be created'],
    ['a name that is no DNS label', newSpace({ name: 'Team_A' }), JSON_TYPE, 422, 'Space.tenancy.kiosk.sh "Team_A" is invalid: metadata.name: Invalid value: "Team_A": '],
    ['neither name nor generateName', newSpace({}), JSON_TYPE, 422, 'Space.tenancy.kiosk.sh "" is invalid: metadata.name: Required value: name or generateName is required'],
    ['a media type it does not read', newSpace({ name: 'a' }), { 'content-type': 'text/plain' }, 415, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml'],
    ['invalid options', newSpace({ name: 'a' }), JSON_TYPE, 422, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]'],
  ])('refuses an object with %s before asking the storage', async (what, body, headers, code, message) => {
    const answer = await send('POST', what === 'invalid options' ? '?dryRun=Some' : '', body, headers);
    expect(answer.status).toBe(code);
    expect((answer.json as { message: string }).message.startsWith(message)).toBe(true);
    expect(storage.calls).toEqual([]);
  });

  it('passes on AlreadyExists for a named create, asking once', async () => {
    storage.answer = () => alreadyExists(SPACES, 'team-a');
    const answer = await send('POST', '', newSpace({ name: 'team-a' }));
    expect(answer.status).toBe(409);
    expect(answer.json).toMatchObject({ reason: 'AlreadyExists', message: 'spaces.tenancy.kiosk.sh "team-a" already exists' });
    expect(asked('create')).toHaveLength(1);
  });

  it('generates a name from generateName, and tries another when the storage says it exists', async () => {
    let attempts = 0;
    storage.answer = (c) => (++attempts < 3 ? alreadyExists(SPACES, sentName(c)) : sent(c));
    const answer = await send('POST', '', newSpace({ generateName: 'team-' }));
    expect(answer.status).toBe(201);
    const names = asked('create').map((c) => c.object?.metadata.name ?? '');
    expect(names).toHaveLength(3);
    for (const n of names) expect(n).toMatch(/^team-[a-z0-9]{5}$/);
    expect((answer.json as Space).metadata.name).toBe(names[2]);
  });

  it('gives up after 8 names that exist, with a 409 that says so and Retry-After: 1', async () => {
    storage.answer = (c) => alreadyExists(SPACES, sentName(c));
    const answer = await send('POST', '', newSpace({ generateName: 'team-' }));
    expect(answer.status).toBe(409);
    expect(answer.headers.get('retry-after')).toBe('1');
    const status = answer.json as { message: string; details: { retryAfterSeconds: number } };
    expect(status.message).toMatch(/^spaces\.tenancy\.kiosk\.sh "team-[a-z0-9]{5}" already exists, the server was not able to generate a unique name for the object$/);
    expect(status.details.retryAfterSeconds).toBe(1);
    expect(asked('create')).toHaveLength(8);
  });

  it('does not retry a generateName create for any other error', async () => {
    storage.answer = () => conflict(SPACES, 'x', 'the object has been modified');
    expect((await send('POST', '', newSpace({ generateName: 'team-' }))).status).toBe(409);
    expect(asked('create')).toHaveLength(1);
  });
});

describe('update handler', () => {
  it('answers 200 with what the storage stored, having handed it the URL\'s name and the object', async () => {
    const answer = await send('PUT', '/team-a?fieldManager=kubectl', newSpace({ name: 'team-a', resourceVersion: '5' }, { account: 'other' }));
    expect(answer.status).toBe(200);
    expect(asked('update')).toEqual([{
      verb: 'update', user: 'dev', name: 'team-a', dryRun: false, fieldManager: 'kubectl',
      object: newSpace({ name: 'team-a', resourceVersion: '5' }, { account: 'other' }),
    }]);
  });

  it('takes the name from the URL when the body has none, and drops a namespace', async () => {
    await send('PUT', '/team-a', newSpace({ namespace: 'default' }));
    expect(asked('update')[0]?.object?.metadata).toEqual({ name: 'team-a' });
  });

  it('refuses a body whose name is not the URL\'s with 400', async () => {
    const answer = await send('PUT', '/team-a', newSpace({ name: 'team-b' }));
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ message: 'the name of the object (team-b) does not match the name on the URL (team-a)' });
    expect(storage.calls).toEqual([]);
  });

  it('passes on the storage\'s Conflict', async () => {
    storage.answer = () => conflict(SPACES, 'team-a', 'the object has been modified; please apply your changes to the latest version and try again');
    const answer = await send('PUT', '/team-a', newSpace({ name: 'team-a', resourceVersion: '4' }));
    expect(answer.status).toBe(409);
    expect(answer.json).toMatchObject({ reason: 'Conflict' });
  });
});

describe('patch handler', () => {
  const MERGE = { 'content-type': 'application/merge-patch+json' };
  const JSON_PATCH = { 'content-type': 'application/json-patch+json' };

  it('applies a merge patch to the object as the user sees it, and writes the result through update', async () => {
    storage.answer = (c) => (c.verb === 'get' ? space('team-a', '5') : sent(c));
    const answer = await send('PATCH', '/team-a', { metadata: { labels: { tier: 'gold' } }, spec: { account: 'other' } }, MERGE);
    expect(answer.status).toBe(200);
    expect(storage.calls.map((c) => c.verb)).toEqual(['get', 'update']);
    const expected = space('team-a', '5');
    expected.metadata.labels = { tier: 'gold' };
    expected.spec.account = 'other';
    expect(asked('update')[0]).toMatchObject({ name: 'team-a', object: expected });
    expect(answer.json).toEqual(expected);
  });

  it('applies a JSON patch, and answers 422 when a test operation fails, without updating', async () => {
    storage.answer = (c) => (c.verb === 'get' ? space('team-a') : sent(c));
    const ok = await send('PATCH', '/team-a', [{ op: 'replace', path: '/spec/account', value: 'b' }], JSON_PATCH);
    expect(ok.status).toBe(200);
    expect(asked('update')[0]?.object?.spec).toEqual({ account: 'b' });
    const failed = await send('PATCH', '/team-a', [{ op: 'test', path: '/spec/account', value: 'nope' }], JSON_PATCH);
    expect(failed.status).toBe(422);
    expect(asked('update')).toHaveLength(1);
  });

  it('refuses strategic merge patches with 415, listing the patch types it takes (server-side apply among them)', async () => {
    const answer = await send('PATCH', '/team-a', {}, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(answer.status).toBe(415);
    expect(answer.json).toMatchObject({
      reason: 'UnsupportedMediaType',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
    expect(storage.calls).toEqual([]);
  });

  it('refuses a patch that removes the metadata, or renames the object, with 400', async () => {
    storage.answer = (c) => (c.verb === 'get' ? space('team-a') : sent(c));
    expect((await send('PATCH', '/team-a', { metadata: null }, MERGE)).json).toMatchObject({ code: 400, message: 'the patch removed the object\'s metadata' });
    expect((await send('PATCH', '/team-a', { metadata: { name: 'team-b' } }, MERGE)).json).toMatchObject({
      code: 400, message: 'the name of the object (team-b) does not match the name on the URL (team-a)',
    });
    expect(asked('update')).toEqual([]);
  });

  it('answers 404 for an object the user cannot see, and updates nothing', async () => {
    storage.answer = () => notFound(SPACES, 'team-x');
    const answer = await send('PATCH', '/team-x', { spec: { account: 'b' } }, MERGE);
    expect(answer.status).toBe(404);
    expect(storage.calls.map((c) => c.verb)).toEqual(['get']);
  });

  it('refuses an unknown field in the patched object with 422 under Strict, and warns under the default', async () => {
    storage.answer = (c) => (c.verb === 'get' ? space('team-a') : sent(c));
    const strict = await send('PATCH', '/team-a?fieldValidation=Strict', { spec: { bogus: 1 } }, MERGE);
    expect(strict.status).toBe(422);
    expect((strict.json as { message: string }).message).toContain('strict decoding error: unknown field "spec.bogus"');
    expect(asked('update')).toEqual([]);
    const warned = await send('PATCH', '/team-a', { spec: { bogus: 1 } }, MERGE);
    expect(warned.status).toBe(200);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.bogus\\""');
  });
});

describe('delete handler', () => {
  it('answers 200 with what the storage returns, having handed it the name and the DeleteOptions of the body', async () => {
    const answer = await send('DELETE', '/team-a', {
      apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground', preconditions: { uid: 'uid-team-a', resourceVersion: '5' }, dryRun: ['All'],
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(space('team-a'));
    expect(asked('delete')).toEqual([{
      verb: 'delete', user: 'dev', name: 'team-a', dryRun: true,
      options: expect.objectContaining({ dryRun: true, propagationPolicy: 'Foreground', preconditions: { uid: 'uid-team-a', resourceVersion: '5' } }) as unknown,
    }]);
  });

  it('reads the options from the query when there is no body', async () => {
    await call(app.base, 'DELETE', `${SPACES_PATH}/team-a?gracePeriodSeconds=0&propagationPolicy=Background`);
    expect(asked('delete')[0]?.options).toMatchObject({ dryRun: false, gracePeriodSeconds: 0, propagationPolicy: 'Background' });
  });

  it('refuses DeleteOptions it cannot accept with the Status, before asking the storage', async () => {
    const bad = await call(app.base, 'DELETE', `${SPACES_PATH}/team-a?propagationPolicy=Sometimes`);
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ reason: 'Invalid', message: expect.stringContaining('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes"') as unknown });
    const notJson = await send('DELETE', '/team-a', '{"kind": "DeleteOptions",');
    expect(notJson.status).toBe(400);
    expect(storage.calls).toEqual([]);
  });

  it('passes on the storage\'s Status (a failed precondition is a 409 Conflict)', async () => {
    storage.answer = () => conflict(SPACES, 'team-a', 'Precondition failed: UID in precondition: x, UID in object meta: uid-team-a');
    const answer = await send('DELETE', '/team-a', { preconditions: { uid: 'x' } });
    expect(answer.status).toBe(409);
    expect(answer.json).toMatchObject({ reason: 'Conflict', message: 'Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "team-a": Precondition failed: UID in precondition: x, UID in object meta: uid-team-a' });
  });
});

describe('methods a resource path does not take', () => {
  it('answers 405 for a PUT on the collection and a POST on an object', async () => {
    expect((await send('PUT', '', newSpace({ name: 'a' }))).json).toMatchObject({ code: 405, reason: 'MethodNotAllowed', message: 'put is not supported on resources of kind "spaces.tenancy.kiosk.sh"' });
    expect((await send('POST', '/a', newSpace({ name: 'a' }))).json).toMatchObject({ code: 405, message: 'post is not supported on resources of kind "spaces.tenancy.kiosk.sh"' });
    expect(storage.calls).toEqual([]);
  });
});

describe('apply handler (PATCH application/apply-patch+yaml)', () => {
  const APPLY = { 'content-type': 'application/apply-patch+yaml' };
  const yaml = 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  name: team-a\n  labels: {team: a}\nspec:\n  account: acct\n';

  it('hands the storage the decoded configuration, the manager and force; 201 when it created, 200 when it updated', async () => {
    storage.applyCreates = true;
    const created = await send('PATCH', '/team-a?fieldManager=flux&force=true', yaml, APPLY);
    expect(created.status).toBe(201);
    storage.applyCreates = false;
    const updated = await send('PATCH', '/team-a?fieldManager=flux&dryRun=All', JSON.parse(JSON.stringify(newSpace({ name: 'team-a' }))), APPLY);
    expect(updated.status).toBe(200);
    expect(asked('apply')).toEqual([
      { verb: 'apply', user: 'dev', name: 'team-a', object: newSpace({ name: 'team-a', labels: { team: 'a' } }), options: { force: true }, dryRun: false, fieldManager: 'flux' },
      { verb: 'apply', user: 'dev', name: 'team-a', object: newSpace({ name: 'team-a' }), options: { force: false }, dryRun: true, fieldManager: 'flux' },
    ]);
  });

  it.each<[string, string, string, number, string]>([
    ['without a fieldManager', '', yaml, 422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'],
    ['with managedFields', '?fieldManager=flux', yaml.replace('  name: team-a\n', '  name: team-a\n  managedFields: [{manager: x}]\n'), 400, 'metadata.managedFields must be nil'],
    ['naming another object', '?fieldManager=flux', yaml.replace('name: team-a', 'name: team-b'), 400, 'the name of the object (team-b) does not match the name on the URL (team-a)'],
    ['of another kind', '?fieldManager=flux', yaml.replace('kind: Space', 'kind: Account'), 422, 'Space.tenancy.kiosk.sh "team-a" is invalid: kind: Invalid value: "Account": must be Space'],
    ['that is not YAML', '?fieldManager=flux', 'metadata: [', 400, 'the object provided is unrecognized (must be of type Space): yaml: '],
    ['with an invalid label', '?fieldManager=flux', yaml.replace('{team: a}', '{"bad key!": a}'), 422, 'Space.tenancy.kiosk.sh "team-a" is invalid: metadata.labels: Invalid value: "bad key!"'],
  ])('refuses a configuration %s before asking the storage', async (_what, query, body, code, message) => {
    const answer = await send('PATCH', `/team-a${query}`, body, APPLY);
    expect(answer.status).toBe(code);
    expect(String((answer.json as { message?: string }).message)).toContain(message);
    expect(storage.calls).toEqual([]);
  });

  it('records a write without a fieldManager under the manager its User-Agent names, as upstream', async () => {
    await send('PUT', '/team-a', newSpace({ name: 'team-a' }), { ...JSON_TYPE, 'user-agent': 'kubectl/v1.36.3 (linux/amd64) kubernetes/abc' });
    expect(asked('update')[0]?.fieldManager).toBe('kubectl');
  });
});
