import { allSchemas, definitionName } from '../../registry/openapi/schemas.js';
import { checkGoTypes } from '../../apiserver/request/go-types.js';

const catalogue = allSchemas();
const SPACE = definitionName('tenancy.kiosk.sh', 'v1alpha1', 'Space');
const ACCOUNT = definitionName('tenancy.kiosk.sh', 'v1alpha1', 'Account');
const space = (extra: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', ...extra });

describe('checkGoTypes: decoding into the Go struct of the kind', () => {
  it.each([
    [{ metadata: 'x' }, 'json: cannot unmarshal string into Go struct field Space.metadata of type v1.ObjectMeta'],
    [{ metadata: [] }, 'json: cannot unmarshal array into Go struct field Space.metadata of type v1.ObjectMeta'],
    [{ spec: 'x' }, 'json: cannot unmarshal string into Go struct field Space.spec of type struct'],
    [{ spec: { account: 5 } }, 'json: cannot unmarshal number 5 into Go struct field Space.spec.account of type string'],
    [{ spec: { account: { a: 1 } } }, 'json: cannot unmarshal object into Go struct field Space.spec.account of type string'],
    [{ metadata: { labels: { a: 1 } } }, 'json: cannot unmarshal number 1 into Go struct field Space.metadata.labels of type string'],
    [{ metadata: { labels: { a: { b: { c: {} } } } } }, 'json: cannot unmarshal object into Go struct field Space.metadata.labels of type string'],
    [{ metadata: { labels: 'a=b' } }, 'json: cannot unmarshal string into Go struct field Space.metadata.labels of type map[string]string'],
    [{ metadata: { generation: 1.5 } }, 'json: cannot unmarshal number 1.5 into Go struct field Space.metadata.generation of type int64'],
    [{ metadata: { generation: 1e300 } }, 'json: cannot unmarshal number 1e+300 into Go struct field Space.metadata.generation of type int64'],
    [{ metadata: { finalizers: 'x' } }, 'json: cannot unmarshal string into Go struct field Space.metadata.finalizers of type []string'],
  ])('%j is refused with Go\'s message', (body, message) => {
    expect(() => checkGoTypes(space(body), SPACE, 'Space', catalogue)).toThrow(message);
  });

  it('treats null as the zero value: the field is gone, the rest kept', () => {
    const obj = space({ metadata: { name: 'a', labels: null, annotations: { x: null } }, spec: null, status: null });
    checkGoTypes(obj, SPACE, 'Space', catalogue);
    expect(obj).toEqual({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 'a', annotations: {} } });
  });

  it('accepts well-typed Spaces and Accounts unchanged', () => {
    const s = space({ metadata: { name: 'a', labels: { x: 'y' } }, spec: { account: 'acc' } });
    checkGoTypes(s, SPACE, 'Space', catalogue);
    expect(s.spec).toEqual({ account: 'acc' });
    const account = {
      apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: 'acc' },
      spec: { space: { limit: 2, clusterRole: '' }, subjects: [{ kind: 'User', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' }] },
    };
    const copy = structuredClone(account);
    checkGoTypes(account, ACCOUNT, 'Account', catalogue);
    expect(account).toEqual(copy);
  });

  it('types the Account spec: limit is an int32, subjects a list of structs', () => {
    const bad = (spec: unknown) => () => checkGoTypes({ kind: 'Account', metadata: {}, spec }, ACCOUNT, 'Account', catalogue);
    expect(bad({ space: { limit: '2' } })).toThrow('cannot unmarshal string into Go struct field Account.spec.space.limit of type int32');
    expect(bad({ space: { limit: 2 ** 31 } })).toThrow('cannot unmarshal number 2147483648 into Go struct field Account.spec.space.limit of type int32');
    expect(bad({ subjects: {} })).toThrow('cannot unmarshal object into Go struct field Account.spec.subjects of type []v1.Subject');
    expect(bad({ subjects: ['x'] })).toThrow('cannot unmarshal string into Go struct field Account.spec.subjects of type v1.Subject');
  });

  it('keeps keys such as __proto__ as plain data and never touches Object.prototype', () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    const obj = JSON.parse('{"kind":"Space","metadata":{"labels":{"__proto__":"x","constructor":"y"}},"spec":{"__proto__":{"polluted":1}}}') as Record<string, unknown>;
    checkGoTypes(obj, SPACE, 'Space', catalogue);
    expect(Object.hasOwn((obj.metadata as { labels: object }).labels, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('walks as deep as the schema, not as deep as the body', () => {
    let nest: unknown = {};
    for (let i = 0; i < 100_000; i++) nest = { a: nest };
    const obj = space({ metadata: { managedFields: [{ fieldsV1: nest }] } });
    expect(() => checkGoTypes(obj, SPACE, 'Space', catalogue)).not.toThrow();
  });
});
