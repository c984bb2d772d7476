import {
  ACCEPTED_MEDIA_TYPES, negotiateOutput, parseIncludeObject, toPartialObjectMetadata, toPartialObjectMetadataList, toTable,
} from '../../apiserver/encoding/table.js';
import type { TableConvertor } from '../../apiserver/encoding/table.js';
import { accountTable } from '../../registry/account/table.js';
import type { Account } from '../../registry/account/types.js';
import { spaceTable } from '../../registry/space/table.js';
import type { Space } from '../../registry/space/types.js';

const now = Date.UTC(2026, 6, 30, 10, 5, 12);

const space = (name: string, extra: Partial<Space> = {}): Space => ({
  apiVersion: 'tenancy.kiosk.sh/v1alpha1',
  kind: 'Space',
  metadata: {
    name, uid: `uid-${name}`, resourceVersion: '12746', creationTimestamp: '2026-07-30T10:00:00Z',
    labels: { team: 'a' }, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u' }],
  },
  spec: { account: 'acc1' },
  status: { phase: 'Active' },
  ...extra,
});

const account = (name: string, spec: Account['spec'], status?: Account['status']): Account => ({
  apiVersion: 'tenancy.kiosk.sh/v1alpha1',
  kind: 'Account',
  metadata: { name, resourceVersion: '7', creationTimestamp: '2026-07-27T06:00:00Z' },
  spec,
  ...(status ? { status } : {}),
});

describe('toTable', () => {
  it('builds the kubectl get table for spaces (§5.6 shape)', () => {
    const table = toTable([space('x')], { resourceVersion: '12750', continue: 'c1' }, spaceTable,
      { version: 'v1', includeObject: 'Metadata', withHeaders: true, now });
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '12750', continue: 'c1' } });
    expect(table.columnDefinitions?.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0], ['Account', 'string', '', 0], ['Status', 'string', '', 0], ['Age', 'date', '', 0],
    ]);
    expect(table.columnDefinitions?.[0]?.description).toMatch(/^Name must be unique within a namespace\. /);
    expect(table.columnDefinitions?.[3]?.description).toMatch(/^CreationTimestamp is a timestamp representing the server time /);
    expect(table.rows).toEqual([{
      cells: ['x', 'acc1', 'Active', '5m12s'],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: space('x').metadata },
    }]);
  });

  it.each([
    ['Metadata', 'v1beta1', { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1beta1' }],
    ['Object', 'v1', { kind: 'Space', apiVersion: 'tenancy.kiosk.sh/v1alpha1', spec: { account: 'acc1' } }],
  ] as const)('includeObject=%s in %s embeds %j', (includeObject, version, expected) => {
    const table = toTable([space('x')], {}, spaceTable, { version, includeObject, withHeaders: true, now });
    expect(table.apiVersion).toBe(`meta.k8s.io/${version}`);
    expect(table.rows[0]?.object).toMatchObject({ ...expected, metadata: { name: 'x', labels: { team: 'a' } } });
  });

  it('omits the object for includeObject=None', () => {
    const table = toTable([space('x')], {}, spaceTable, { version: 'v1', includeObject: 'None', withHeaders: true, now });
    expect(table.rows[0]).toEqual({ cells: ['x', 'acc1', 'Active', '5m12s'] });
    expect((JSON.parse(JSON.stringify(table)) as { rows: unknown[] }).rows[0]).not.toHaveProperty('object');
  });

  it('sends columnDefinitions: null without headers (watch events after the first)', () => {
    const table = toTable([space('x')], { resourceVersion: '12746' }, spaceTable, { version: 'v1', includeObject: 'Metadata', withHeaders: false, now });
    expect(table.columnDefinitions).toBeNull();
    expect(JSON.stringify(table)).toContain('"columnDefinitions":null');
    expect(table.metadata).toEqual({ resourceVersion: '12746' });
  });

  it('renders an empty list with rows: [] and drops absent list metadata', () => {
    const table = toTable([], { remainingItemCount: 0 }, spaceTable, { version: 'v1', includeObject: 'Metadata', withHeaders: true, now });
    expect(table.rows).toEqual([]);
    expect(table.metadata).toEqual({ remainingItemCount: 0 });
  });

  it.each([
    ['no phase or account', space('y', { spec: {}, status: {} }), ['y', null, null, '5m12s']],
    ['no creationTimestamp', { ...space('z'), metadata: { name: 'z' } }, ['z', 'acc1', 'Active', '<unknown>']],
    ['a bad creationTimestamp', { ...space('w'), metadata: { name: 'w', creationTimestamp: 'soon' } }, ['w', 'acc1', 'Active', '<invalid>']],
  ])('space cells with %s', (_name, obj, cells) => {
    expect(toTable([obj], {}, spaceTable, { version: 'v1', includeObject: 'None', withHeaders: false, now }).rows[0]?.cells).toEqual(cells);
  });

  it('keeps cells and columns the same length', () => {
    const broken: TableConvertor<Space> = { columns: spaceTable.columns, cells: () => ['x'] };
    expect(() => toTable([space('x')], {}, broken, { version: 'v1', includeObject: 'None', withHeaders: true, now }))
      .toThrow('table convertor returned 1 cells for 4 columns');
  });
});

describe('account table', () => {
  it('has Name, Spaces, Limit, Age by default and Subjects, Cluster Role with -o wide', () => {
    expect(accountTable.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0], ['Spaces', 'integer', 0], ['Limit', 'integer', 0], ['Age', 'date', 0],
      ['Subjects', 'string', 1], ['Cluster Role', 'string', 1],
    ]);
  });

  it.each([
    ['a full account', account('a', {
      subjects: [{ kind: 'User', name: 'john', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }],
      space: { limit: 3, clusterRole: 'edit' },
    }, { namespaces: [{ name: 'n1' }, { name: 'n2' }] }), ['a', 2, 3, '3d4h', 'User:john,Group:devs,ServiceAccount:tools/ci', 'edit']],
    ['an empty account', account('b', {}), ['b', 0, null, '3d4h', null, 'admin']],
    ['no cluster role', account('c', { space: { clusterRole: '' } }), ['c', 0, null, '3d4h', null, null]],
    ['a limit of zero', account('d', { space: { limit: 0 } }), ['d', 0, 0, '3d4h', null, 'admin']],
  ])('cells of %s', (_name, obj, cells) => {
    const table = toTable([obj], {}, accountTable, { version: 'v1', includeObject: 'None', withHeaders: true, now });
    expect(table.rows[0]?.cells).toEqual(cells);
  });
});

describe('parseIncludeObject', () => {
  it.each([
    [undefined, 'Metadata'], [null, 'Metadata'], ['', 'Metadata'], ['Metadata', 'Metadata'], ['Object', 'Object'], ['None', 'None'],
  ])('%j is %j', (value, expected) => {
    expect(parseIncludeObject(value)).toBe(expected);
  });

  it.each(['metadata', 'Foo', 'All'])('%j is a 400 with upstream wording', (value) => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- jest types its asymmetric matchers as any
    expect(() => parseIncludeObject(value)).toThrow(expect.objectContaining({
      code: 400, reason: 'BadRequest',
      message: `Unable to convert to Table as requested: includeObject: Invalid value: "${value}": must be 'Metadata', 'Object', 'None', or empty`,
    }));
  });
});

describe('PartialObjectMetadata', () => {
  it('keeps all of ObjectMeta', () => {
    expect(toPartialObjectMetadata(space('x'))).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: space('x').metadata });
    expect(toPartialObjectMetadata(space('x'), 'v1beta1').apiVersion).toBe('meta.k8s.io/v1beta1');
  });

  it('builds the list with list metadata and items: [] when empty', () => {
    expect(toPartialObjectMetadataList([space('x')], { resourceVersion: '5', continue: 'c', remainingItemCount: 17 })).toEqual({
      kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '5', continue: 'c', remainingItemCount: 17 },
      items: [{ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: space('x').metadata }],
    });
    expect(toPartialObjectMetadataList([], {}, 'v1beta1')).toEqual({
      kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1beta1', metadata: {}, items: [],
    });
  });
});

describe('negotiateOutput', () => {
  const kubectlGet = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  const metadataWatch = 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,'
    + 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
  const metadataList = 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,'
    + 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

  it.each([
    [undefined, true, { kind: 'json' }],
    ['', false, { kind: 'json' }],
    ['application/json', false, { kind: 'json' }],
    ['application/*', false, { kind: 'json' }],
    ['*/*', false, { kind: 'json' }],
    ['*', false, { kind: 'json' }],
    ['application/json;stream=watch', true, { kind: 'json' }],
    ['application/json;charset=utf-8;pretty=1', false, { kind: 'json' }],
    ['application/vnd.kubernetes.protobuf, application/json', false, { kind: 'json' }],
    ['application/vnd.kubernetes.protobuf;q=1,application/json;q=0.9', true, { kind: 'json' }],
    [kubectlGet, true, { kind: 'table', version: 'v1' }],
    [kubectlGet, false, { kind: 'table', version: 'v1' }],
    ['application/json;as=Table;v=v1beta1;g=meta.k8s.io', true, { kind: 'table', version: 'v1beta1' }],
    ['application/json;as=Table;v=v2;g=meta.k8s.io, application/json', true, { kind: 'json' }],
    ['application/json;as=Table, application/json;as=Table;g=meta.k8s.io;v=v1', true, { kind: 'table', version: 'v1' }],
    ['application/json;as=Foo;v=v1;g=meta.k8s.io, application/json', true, { kind: 'json' }],
    ['application/json;stream=foo, application/json;as=Table;g=meta.k8s.io;v=v1', true, { kind: 'table', version: 'v1' }],
    // q first, then specific before wildcard, then position.
    ['application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io', true, { kind: 'table', version: 'v1' }],
    ['*/*, application/json;as=Table;v=v1;g=meta.k8s.io', true, { kind: 'table', version: 'v1' }],
    [metadataWatch, false, { kind: 'partial', version: 'v1' }],
    [metadataList, true, { kind: 'partial', version: 'v1' }],
    ['application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1', false, { kind: 'partial', version: 'v1beta1' }],
  ])('%j (list: %j) → %j', (accept, isList, expected) => {
    expect(negotiateOutput(accept, { isList })).toEqual(expected);
  });

  it.each([
    ['application/json;as=Foo;v=v1;g=meta.k8s.io', true],
    ['application/yaml', false],
    ['application/vnd.kubernetes.protobuf', true],
    ['text/html', false],
    ['application/json;q=0', false],
  ])('%j is 406 NotAcceptable', (accept, isList) => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- jest types its asymmetric matchers as any
    expect(() => negotiateOutput(accept, { isList })).toThrow(expect.objectContaining({
      code: 406, reason: 'NotAcceptable', message: `only the following media types are accepted: ${ACCEPTED_MEDIA_TYPES.join(', ')}`,
    }));
    expect(ACCEPTED_MEDIA_TYPES).toEqual(['application/json']);
  });

  it.each([
    [metadataWatch, true, undefined, 'you requested PartialObjectMetadata, but the requested object is a list (*unstructured.UnstructuredList)'],
    [metadataWatch, true, '*v1alpha1.SpaceList', 'you requested PartialObjectMetadata, but the requested object is a list (*v1alpha1.SpaceList)'],
    [metadataList, false, undefined, 'you requested PartialObjectMetadataList, but the requested object is not a list (*unstructured.Unstructured)'],
    // The first acceptable range decides; a mismatch does not fall back to the next one.
    [`${metadataWatch},application/json`, true, '*v1alpha1.SpaceList', 'you requested PartialObjectMetadata, but the requested object is a list (*v1alpha1.SpaceList)'],
  ])('%j (list: %j) is 406 %j', (accept, isList, typeName, message) => {
    expect(() => negotiateOutput(accept, { isList, ...(typeName ? { typeName } : {}) }))
      // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- jest types its asymmetric matchers as any
      .toThrow(expect.objectContaining({ code: 406, reason: 'NotAcceptable', message }));
  });
});
