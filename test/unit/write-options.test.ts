import { statusOf } from '../support/status-of.js';
import {
  fieldManagerFromUserAgent, managerOrUserAgent, parseCreateOptions, parseDeleteOptions, parsePatchOptions, parseUpdateOptions,
} from '../../apiserver/request/options.js';
import type { Query } from '../../apiserver/request/options.js';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('create, update and patch options', () => {
  it.each([
    [{}, { dryRun: false, dryRunValues: [], fieldManager: '', fieldValidation: 'Warn' }],
    [{ dryRun: 'All' }, { dryRun: true, dryRunValues: ['All'], fieldManager: '', fieldValidation: 'Warn' }],
    [{ dryRun: ['All', 'All'] }, { dryRun: true, dryRunValues: ['All', 'All'], fieldManager: '', fieldValidation: 'Warn' }],
    [{ fieldManager: 'kubectl-create', fieldValidation: 'Strict' }, { dryRun: false, dryRunValues: [], fieldManager: 'kubectl-create', fieldValidation: 'Strict' }],
    [{ fieldValidation: 'Ignore' }, { dryRun: false, dryRunValues: [], fieldManager: '', fieldValidation: 'Ignore' }],
    [{ fieldValidation: '' }, { dryRun: false, dryRunValues: [], fieldManager: '', fieldValidation: 'Warn' }],
    [{ fieldManager: ['a', 'b'] }, { dryRun: false, dryRunValues: [], fieldManager: 'a', fieldValidation: 'Warn' }],
    [{ fieldManager: 'm'.repeat(128), pretty: 'true', unknown: 'x' }, { dryRun: false, dryRunValues: [], fieldManager: 'm'.repeat(128), fieldValidation: 'Warn' }],
  ] as Array<[Query, object]>)('%j', (query, expected) => {
    expect(parseCreateOptions(query)).toEqual(expected);
    expect(parseUpdateOptions(query)).toEqual(expected);
    expect(parsePatchOptions(query, 'merge')).toEqual(expected);
  });

  it.each([
    [{ dryRun: 'x' }, 'dryRun: Unsupported value: ["x"]: supported values: "All"'],
    [{ dryRun: ['All', 'Some'] }, 'dryRun: Unsupported value: ["All","Some"]: supported values: "All"'],
    [{ dryRun: '' }, 'dryRun: Unsupported value: [""]: supported values: "All"'],
    [{ fieldValidation: 'Loud' }, 'fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"'],
    [{ fieldValidation: 'strict' }, 'fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"'],
    [{ fieldManager: 'm'.repeat(129) }, 'fieldManager: Too long: may not be more than 128 bytes'],
    [{ fieldManager: 'é'.repeat(65) }, 'fieldManager: Too long: may not be more than 128 bytes'],
    [{ fieldManager: 'a\u0001b' }, 'fieldManager: Invalid value: "a\\x01b": invalid character U+0001 (at position 1)'],
    [{ fieldManager: 'é\u200b' }, 'fieldManager: Invalid value: "é\\u200b": invalid character U+200B (at position 2)'],
    [{ fieldManager: 'a\tb\n' }, '[fieldManager: Invalid value: "a\\tb\\n": invalid character U+0009 (at position 1), '
      + 'fieldManager: Invalid value: "a\\tb\\n": invalid character U+000A (at position 3)]'],
    [{ fieldManager: 'x'.repeat(129), dryRun: 'no', fieldValidation: 'no' }, '[fieldManager: Too long: may not be more than 128 bytes, '
      + 'dryRun: Unsupported value: ["no"]: supported values: "All", fieldValidation: Unsupported value: "no": supported values: "", "Ignore", "Strict", "Warn"]'],
  ] as Array<[Query, string]>)('%j is 422', (query, errors) => {
    for (const [kind, parse] of [
      ['CreateOptions', () => parseCreateOptions(query)],
      ['UpdateOptions', () => parseUpdateOptions(query)],
      ['PatchOptions', () => parsePatchOptions(query, 'json')],
    ] as const) {
      const err = statusOf(parse);
      expect([err.code, err.reason, err.message]).toEqual([422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${errors}`]);
      expect(err.details).toMatchObject({ name: '', group: 'meta.k8s.io', kind });
    }
  });

  it('puts each field error in the causes', () => {
    const err = statusOf(() => parseCreateOptions({ dryRun: 'x' }));
    expect(err.details?.causes).toEqual([{ reason: 'FieldValueNotSupported', field: 'dryRun', message: 'Unsupported value: ["x"]: supported values: "All"' }]);
  });

  it.each([
    [{ force: 'true' }, 'json'], [{ force: 'false' }, 'merge'], [{ force: '' }, 'strategic'], [{ force: '0' }, undefined],
  ] as Array<[Query, 'json' | 'merge' | 'strategic' | undefined]>)('force %j on a %s patch is forbidden', (query, type) => {
    expect(() => parsePatchOptions(query, type))
      .toThrow('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('requires a fieldManager for apply and takes force there', () => {
    expect(() => parsePatchOptions({}, 'apply'))
      .toThrow('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    expect(() => parsePatchOptions({ force: 'true', dryRun: 'x' }, 'apply')).toThrow('PatchOptions.meta.k8s.io "" is invalid: '
      + '[fieldManager: Required value: is required for apply patch, dryRun: Unsupported value: ["x"]: supported values: "All"]');
    expect(parsePatchOptions({ fieldManager: 'kubectl', force: 'true' }, 'apply')).toMatchObject({ fieldManager: 'kubectl', force: true });
    expect(parsePatchOptions({ fieldManager: 'kubectl', force: 'False' }, 'apply')).toMatchObject({ force: false });
    expect(parsePatchOptions({ fieldManager: 'kubectl', force: 'yes' }, 'apply')).toMatchObject({ force: true });
    expect(parsePatchOptions({ fieldManager: 'kubectl' }, 'apply')).not.toHaveProperty('force');
  });
});

describe('field manager from the User-Agent', () => {
  it.each([
    ['kubectl/v1.36.2 (linux/amd64) kubernetes/abc', 'kubectl'],
    ['kube-controller-manager/v1.36.2 (linux/amd64) kubernetes/abc/generic-garbage-collector', 'kube-controller-manager'],
    ['Mozilla 5.0', 'Mozilla 5.0'],
    ['', ''],
    [undefined, ''],
    ['/v1', ''],
    ['a\u0000b\tc/x', 'abc'],
    ['x'.repeat(200), 'x'.repeat(128)],
    [`${'x'.repeat(127)}é`, 'x'.repeat(127)],
  ])('%j gives %j', (ua, expected) => {
    expect(fieldManagerFromUserAgent(ua)).toBe(expected);
  });

  it('prefers the fieldManager parameter', () => {
    expect(managerOrUserAgent('kubectl-edit', 'kubectl/v1.36')).toBe('kubectl-edit');
    expect(managerOrUserAgent('', 'kubectl/v1.36')).toBe('kubectl');
  });
});

describe('parseDeleteOptions', () => {
  it.each([
    ['no body, no query', undefined, {}, { dryRun: false, dryRunValues: [] }],
    ['an empty body uses the query', Buffer.alloc(0), { propagationPolicy: 'Foreground', gracePeriodSeconds: '0', dryRun: 'All' },
      { dryRun: true, dryRunValues: ['All'], propagationPolicy: 'Foreground', gracePeriodSeconds: 0 }],
    ['orphanDependents in the query', undefined, { orphanDependents: 'true' }, { dryRun: false, dryRunValues: [], orphanDependents: true }],
    ['orphanDependents=false', undefined, { orphanDependents: 'false' }, { dryRun: false, dryRunValues: [], orphanDependents: false }],
    ['kubectl\'s body', json({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }), {},
      { dryRun: false, dryRunValues: [], propagationPolicy: 'Background' }],
    ['the garbage collector\'s body', json({ kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', preconditions: { uid: 'u-1' }, propagationPolicy: 'Background' }), {},
      { dryRun: false, dryRunValues: [], preconditions: { uid: 'u-1' }, propagationPolicy: 'Background' }],
    ['everything', json({ kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', gracePeriodSeconds: 30, preconditions: { uid: 'u', resourceVersion: '7' }, dryRun: ['All'], orphanDependents: null }), {},
      { dryRun: true, dryRunValues: ['All'], gracePeriodSeconds: 30, preconditions: { uid: 'u', resourceVersion: '7' } }],
    ['a body without kind or apiVersion', json({ gracePeriodSeconds: 0 }), {}, { dryRun: false, dryRunValues: [], gracePeriodSeconds: 0 }],
    ['the group\'s own version', json({ kind: 'DeleteOptions', apiVersion: 'tenancy.kiosk.sh/v1alpha1' }), {}, { dryRun: false, dryRunValues: [] }],
    ['a body makes the query irrelevant', json({ kind: 'DeleteOptions', apiVersion: 'v1' }), { propagationPolicy: 'bogus', dryRun: 'x' },
      { dryRun: false, dryRunValues: [] }],
    ['null members are absent', json({ preconditions: null, propagationPolicy: null, gracePeriodSeconds: null, dryRun: null }), {},
      { dryRun: false, dryRunValues: [] }],
    ['a null body', Buffer.from('null'), {}, { dryRun: false, dryRunValues: [] }],
  ] as Array<[string, Buffer | undefined, Query, object]>)('%s', (_name, body, query, expected) => {
    expect(parseDeleteOptions(body, query, { groupVersion: 'tenancy.kiosk.sh/v1alpha1' })).toEqual(expected);
  });

  it('reads a YAML body', () => {
    expect(parseDeleteOptions(Buffer.from('kind: DeleteOptions\napiVersion: v1\npropagationPolicy: Orphan\n'), {}, { contentType: 'application/yaml' }))
      .toEqual({ dryRun: false, dryRunValues: [], propagationPolicy: 'Orphan' });
  });

  it.each([
    [undefined, { propagationPolicy: 'Sideways' },
      'propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"'],
    [undefined, { propagationPolicy: '' }, 'propagationPolicy: Unsupported value: "": supported values: "Foreground", "Background", "Orphan", "nil"'],
    [json({ propagationPolicy: 'background' }), {},
      'propagationPolicy: Unsupported value: "background": supported values: "Foreground", "Background", "Orphan", "nil"'],
    [undefined, { orphanDependents: 'true', propagationPolicy: 'Background' },
      'propagationPolicy: Invalid value: "Background": orphanDependents and deletionPropagation cannot be both set'],
    [json({ orphanDependents: false, propagationPolicy: 'x' }), {}, '[propagationPolicy: Invalid value: "x": orphanDependents and deletionPropagation '
      + 'cannot be both set, propagationPolicy: Unsupported value: "x": supported values: "Foreground", "Background", "Orphan", "nil"]'],
    [undefined, { dryRun: 'Yes' }, 'dryRun: Unsupported value: ["Yes"]: supported values: "All"'],
    [json({ dryRun: ['All', 'x'] }), {}, 'dryRun: Unsupported value: ["All","x"]: supported values: "All"'],
  ] as Array<[Buffer | undefined, Query, string]>)('%s %j is 422', (body, query, errors) => {
    const err = statusOf(() => parseDeleteOptions(body, query));
    expect([err.code, err.reason, err.message]).toEqual([422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: ${errors}`]);
  });

  it.each([
    [undefined, { gracePeriodSeconds: 'soon' }, 'strconv.ParseInt: parsing "soon": invalid syntax'],
    [undefined, { gracePeriodSeconds: '' }, 'strconv.ParseInt: parsing "": invalid syntax'],
    [undefined, { gracePeriodSeconds: '1.5' }, 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [json({ kind: 'Pod', apiVersion: 'v1' }), {}, 'decoded object cannot be converted to DeleteOptions'],
    [json({ kind: 'DeleteOptions', apiVersion: 'apps/v1' }), {}, 'decoded object cannot be converted to DeleteOptions'],
    [Buffer.from('{"kind":'), {}, 'unexpected end of JSON input'],
    [json([1]), {}, 'json: cannot unmarshal array into Go value of type v1.DeleteOptions'],
    [json({ gracePeriodSeconds: '5' }), {}, 'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64'],
    [json({ gracePeriodSeconds: 1.5 }), {}, 'json: cannot unmarshal number 1.5 into Go struct field DeleteOptions.gracePeriodSeconds of type int64'],
    [json({ preconditions: { uid: 5 } }), {}, 'json: cannot unmarshal number 5 into Go struct field DeleteOptions.preconditions.uid of type types.UID'],
    [json({ preconditions: 'x' }), {}, 'json: cannot unmarshal string into Go struct field DeleteOptions.preconditions of type v1.Preconditions'],
    [json({ orphanDependents: 'true' }), {}, 'json: cannot unmarshal string into Go struct field DeleteOptions.orphanDependents of type bool'],
    [json({ dryRun: 'All' }), {}, 'json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string'],
    [json({ propagationPolicy: 1 }), {}, 'json: cannot unmarshal number 1 into Go struct field DeleteOptions.propagationPolicy of type v1.DeletionPropagation'],
  ] as Array<[Buffer | undefined, Query, string]>)('%s %j is 400 %j', (body, query, message) => {
    const err = statusOf(() => parseDeleteOptions(body, query));
    expect([err.code, err.reason, err.message]).toEqual([400, 'BadRequest', message]);
  });

  it('refuses a body of another media type with 415', () => {
    const err = statusOf(() => parseDeleteOptions(json({}), {}, { contentType: 'application/vnd.kubernetes.protobuf' }));
    expect([err.code, err.message]).toEqual([415, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml']);
  });
});
