// Issue "Hardening I": request bodies no tenant can crash, stall or bloat the server with. Each hostile body
// goes to our resource through kube-apiserver and, where kube-apiserver serves a resource of its own that
// decodes the same way (the config.kiosk.sh CRDs), to that one too: the answers must be the same.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import type { DirectResponse } from '../support/sandbox-access.js';
import { viaApiserver } from '../support/sandbox-access.js';

const MiB3 = 3 * 1024 * 1024;
const ACCOUNT = 'hostile-bodies';
const OURS = '/apis/tenancy.kiosk.sh/v1alpha1/accounts';
const THEIRS = '/apis/config.kiosk.sh/v1alpha1/accounts';

const post = (path: string, body: string, contentType = 'application/json') =>
  viaApiserver({ method: 'POST', path, body, headers: { 'Content-Type': contentType, Accept: 'application/json' } });
const patch = (path: string, body: string, contentType: string) =>
  viaApiserver({ method: 'PATCH', path, body, headers: { 'Content-Type': contentType, Accept: 'application/json' } });
const status = (r: DirectResponse) => {
  const s = r.json<{ code?: number; reason?: string; message?: string }>();
  return { http: r.status, code: s.code, reason: s.reason, message: s.message };
};

beforeAll(async () => {
  await kubectl(['delete', 'accounts.config.kiosk.sh', ACCOUNT, '--ignore-not-found']);
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: config.kiosk.sh/v1alpha1\nkind: Account\nmetadata: {name: ${ACCOUNT}}\nspec:\n  subjects: [{kind: User, name: hostile, apiGroup: rbac.authorization.k8s.io}]\n`,
  });
}, 60_000);
afterAll(async () => {
  await kubectl(['delete', 'accounts.config.kiosk.sh', ACCOUNT, '--ignore-not-found']);
}, 60_000);

describe('hostile bodies, ours against kube-apiserver\'s own', () => {
  it.each([
    ['3 MiB of [', '['.repeat(MiB3)],
    ['3 MiB of {"a":', '{"a":'.repeat(MiB3 / 5)],
  ])('answers a JSON body of %s as kube-apiserver does: 400, exceeded max depth', async (_name, body) => {
    const ours = status(await post(OURS, body));
    const theirs = status(await post(THEIRS, body));
    expect(ours.http).toBe(400);
    expect(ours.message).toContain('exceeded max depth');
    expect(ours).toEqual(theirs);
  }, 60_000);

  it('answers a YAML "billion laughs" as kube-apiserver does: 400, excessive aliasing', async () => {
    const lines = ['apiVersion: tenancy.kiosk.sh/v1alpha1', 'kind: Account', 'metadata: {name: laughs}',
      'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const body = `${lines.join('\n')}\n`;
    const ours = status(await post(OURS, body, 'application/yaml'));
    const theirs = status(await post(THEIRS, body.replace('tenancy.kiosk.sh', 'config.kiosk.sh'), 'application/yaml'));
    expect([ours.http, ours.code, ours.reason]).toEqual([theirs.http, theirs.code, theirs.reason]);
    expect(ours.http).toBe(400);
    expect(ours.message).toContain('yaml: document contains excessive aliasing');
    // The summary of the body differs only by the group in the first 30 bytes.
    expect(ours.message?.replace(/ \([0-9a-f]+ \.\.\.\)$/, '')).toBe(theirs.message?.replace(/ \([0-9a-f]+ \.\.\.\)$/, ''));
  }, 60_000);

  it('answers a 3 MiB YAML nest with a 400 before reading it, and a shallower one naming the max depth', async () => {
    const huge = status(await post(OURS, `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Account\nx: ${'['.repeat(MiB3 - 60)}`, 'application/yaml'));
    expect([huge.http, huge.reason]).toEqual([400, 'BadRequest']);
    expect(huge.message).toMatch(/: yaml: too many values: a YAML body may hold at most 5000 lines and flow separators/);
    const deep = status(await post(OURS, `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Account\nx: ${'['.repeat(4000)}`, 'application/yaml'));
    expect([deep.http, deep.reason]).toEqual([400, 'BadRequest']);
    expect(deep.message).toMatch(/: yaml: line 3: exceeded max depth of 1000 \(/);
  }, 60_000);

  it.each([['/__proto__/denied'], ['/constructor/prototype/denied']])(
    'refuses a JSON patch adding %s as kube-apiserver does: 422, the key is plain data', async (path) => {
      const body = JSON.stringify([{ op: 'add', path, value: true }]);
      const ours = status(await patch(`${OURS}/${ACCOUNT}`, body, 'application/json-patch+json'));
      const theirs = status(await patch(`${THEIRS}/${ACCOUNT}`, body, 'application/json-patch+json'));
      expect(ours).toEqual(theirs);
      expect(ours.http).toBe(422);
    }, 60_000);

  it('treats a merge patch\'s __proto__ as data, and keeps serving', async () => {
    const r = await patch(`${OURS}/${ACCOUNT}`, '{"__proto__":{"denied":true},"metadata":{"labels":{"probe":"1"}}}', 'application/merge-patch+json');
    expect(r.status).toBe(200);
    expect(r.body).not.toContain('denied');
    expect(r.json<{ metadata: { labels?: Record<string, string> } }>().metadata.labels).toEqual({ probe: '1' });
    const list = await viaApiserver({ path: OURS, headers: { Accept: 'application/json' } });
    expect(list.status).toBe(200);
    expect(list.body).not.toContain('denied');
  }, 60_000);
});
