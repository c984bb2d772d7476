import { statusOf } from '../support/status-of.js';
import { MAX_JSON_PATCH_COPY_BYTES, applyJsonPatch, applyMergePatch, jsonEqual } from '../../apiserver/request/apply-patch.js';
import { decodeJsonPatch, decodeMergePatch, patchContentType, patchStrictError, unsupportedPatchType } from '../../apiserver/request/patch.js';
import { goJsonMarshal } from '../../storage/apimachinery/go-json.js';
import { MAX_JSON_DEPTH } from '../../storage/apimachinery/go-json.js';

const NOT_APPLIED = 'the server rejected our request due to an error in our request';

describe('patchContentType', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['Application/JSON-Patch+JSON', 'json'],
    [' application/merge-patch+json ;charset=UTF-8', 'merge'],
    ['application/json', undefined],
    ['application/apply-patch+cbor', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j is %j', (header, expected) => {
    expect(patchContentType(header)).toBe(expected);
  });
});

describe('unsupportedPatchType', () => {
  it('is a 415 listing the accepted types in order', () => {
    const err = unsupportedPatchType(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    expect(err.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'UnsupportedMediaType', code: 415,
      message: 'the body of the request was in an unknown format - accepted media types include: '
        + 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
  });
});

describe('applyMergePatch (RFC 7386, as evanphx/json-patch)', () => {
  it.each([
    // RFC 7386 appendix A.
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    // Nested merge leaves siblings alone.
    [{ metadata: { name: 'x', labels: { a: '1', b: '2' } } }, { metadata: { labels: { a: null, c: '3' } } },
      { metadata: { name: 'x', labels: { b: '2', c: '3' } } }],
    // Deleting what is not there is fine.
    [{ a: 1 }, { z: null }, { a: 1 }],
    // A replacing value loses the null members of its objects, also inside arrays; array elements stay.
    [{ a: 1 }, { b: { c: null, d: 1 } }, { a: 1, b: { d: 1 } }],
    [{ a: [1] }, { a: [{ x: null, y: 1 }, null] }, { a: [{ y: 1 }, null] }],
    [{ a: 'scalar' }, { a: { x: null, y: 2 } }, { a: { y: 2 } }],
    // ... but an array replacing an object keeps them (evanphx returns the patch as is there).
    [{ a: { k: 1 } }, { a: [{ x: null }] }, { a: [{ x: null }] }],
    // An empty patch changes nothing.
    [{ a: { b: 1 } }, {}, { a: { b: 1 } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('replaces the whole document with an array patch and with an object patch on a non-object', () => {
    expect(applyMergePatch({ a: 1 }, [{ b: null }, 2])).toEqual([{}, 2]);
    expect(applyMergePatch(['x'], { a: null, b: 1 })).toEqual({ b: 1 });
  });

  it.each([[null], ['x'], [1], [true]])('rejects the patch %j with 400 Invalid JSON Patch', (patch) => {
    const err = statusOf(() => applyMergePatch({ a: 1 }, patch));
    expect([err.code, err.reason, err.message]).toEqual([400, 'BadRequest', 'Invalid JSON Patch']);
  });

  it('never mutates its inputs', () => {
    const target = { a: { b: 1, c: [1, 2] }, d: 'x' };
    const patch = { a: { b: null, c: [3] }, e: { f: 1 } };
    const targetCopy = structuredClone(target);
    const patchCopy = structuredClone(patch);
    const out = applyMergePatch(target, patch) as Record<string, Record<string, unknown>>;
    expect(target).toEqual(targetCopy);
    expect(patch).toEqual(patchCopy);
    (out.e as Record<string, unknown>).f = 2;
    expect(patch.e.f).toBe(1);
  });
});

describe('applyJsonPatch (RFC 6902, as evanphx/json-patch v4)', () => {
  it.each([
    // RFC 6902 appendix A.
    ['A.1 add object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 add array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    ['A.6 move member', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }], { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
    ['A.7 move element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] }],
    ['A.8 test success', { baz: 'qux', foo: ['a', 2, 'c'] },
      [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    ['A.10 add nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignore unrecognised members', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escapes', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 add array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    // JSON pointer escapes, as labels and annotations need them.
    ['~1 in a key', { metadata: { labels: {} } }, [{ op: 'add', path: '/metadata/labels/kiosk.sh~1account', value: 'a' }],
      { metadata: { labels: { 'kiosk.sh/account': 'a' } } }],
    ['~0 in a key', { a: { 'x~y': 1 } }, [{ op: 'remove', path: '/a/x~0y' }], { a: {} }],
    ['~01 is ~1, not /', { a: {} }, [{ op: 'add', path: '/a/~01', value: 1 }], { a: { '~1': 1 } }],
    // `-` appends; negative indices count from the end (evanphx extension).
    ['append with -', { a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }], { a: [1, 2] }],
    ['add at -1 appends', { a: [1, 2] }, [{ op: 'add', path: '/a/-1', value: 3 }], { a: [1, 2, 3] }],
    ['add at -1 on empty', { a: [] }, [{ op: 'add', path: '/a/-1', value: 'q' }], { a: ['q'] }],
    ['add at the end index', { a: [1] }, [{ op: 'add', path: '/a/1', value: 2 }], { a: [1, 2] }],
    ['remove -2', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/-2' }], { foo: ['bar', 'baz'] }],
    ['replace -1', { a: [1, 2] }, [{ op: 'replace', path: '/a/-1', value: 9 }], { a: [1, 9] }],
    // add replaces an existing member; replace of a missing member adds it (v4 leniency).
    ['add overwrites', { a: 1 }, [{ op: 'add', path: '/a', value: 2 }], { a: 2 }],
    ['replace adds a missing member', { a: {} }, [{ op: 'replace', path: '/a/b', value: 1 }], { a: { b: 1 } }],
    ['replace the whole document', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
    ['replace with null', { bar: [{ baz: 1 }] }, [{ op: 'replace', path: '/bar/0/baz', value: null }], { bar: [{ baz: null }] }],
    ['add without value stores null', { a: 1 }, [{ op: 'add', path: '/b' }], { a: 1, b: null }],
    // copy is deep.
    ['copy', { a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }, { op: 'add', path: '/c/b/-', value: 2 }],
      { a: { b: [1] }, c: { b: [1, 2] } }],
    ['copy into an array', { foo: ['bar'] }, [{ op: 'copy', path: '/foo/0', from: '/foo' }], { foo: [['bar'], 'bar'] }],
    // test: null matches a missing member or a null one; objects compare structurally.
    ['test null on a missing member', { baz: 'qux' }, [{ op: 'test', path: '/foo', value: null }], { baz: 'qux' }],
    ['test null on a null member', { foo: null }, [{ op: 'test', path: '/foo', value: null }], { foo: null }],
    ['test objects in any key order', { a: { x: 1, y: [1, { z: 2 }] } }, [{ op: 'test', path: '/a', value: { y: [1, { z: 2 }], x: 1 } }],
      { a: { x: 1, y: [1, { z: 2 }] } }],
    ['test the whole document', { a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }], { a: 1 }],
    ['a precondition on resourceVersion', { metadata: { resourceVersion: '7' } },
      [{ op: 'test', path: '/metadata/resourceVersion', value: '7' }, { op: 'replace', path: '/metadata/resourceVersion', value: '8' }],
      { metadata: { resourceVersion: '8' } }],
    ['a null document is no operations', { a: 1 }, null, { a: 1 }],
    ['an empty list', { a: 1 }, [], { a: 1 }],
  ])('%s', (_name, target, ops, expected) => {
    expect(applyJsonPatch(target, ops)).toEqual(expected);
  });

  it.each([
    ['A.9 test failure', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'testing value /baz failed: test failed'],
    ['A.12 add to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }],
      'add operation does not apply: doc is missing path: "/baz/bat": missing value'],
    ['A.15 test of a string against a number', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }],
      'testing value /~01 failed: test failed'],
    ['remove of a missing member', { a: { b: { d: 1 } } }, [{ op: 'remove', path: '/a/b/c' }],
      "error in remove for path: '/a/b/c': Unable to remove nonexistent key: c: missing value"],
    ['remove past the end', { a: { b: [1] } }, [{ op: 'remove', path: '/a/b/1' }],
      "error in remove for path: '/a/b/1': Unable to access invalid index: 1: invalid index referenced"],
    ['remove of - from an empty list', { foo: [] }, [{ op: 'remove', path: '/foo/-' }],
      "error in remove for path: '/foo/-': strconv.Atoi: parsing \"-\": invalid syntax"],
    ['remove -1 from an empty list', { foo: [] }, [{ op: 'remove', path: '/foo/-1' }],
      "error in remove for path: '/foo/-1': Unable to access invalid index: -1: invalid index referenced"],
    ['add past the end', { foo: ['bar'] }, [{ op: 'add', path: '/foo/2', value: 'bum' }],
      "error in add for path: '/foo/2': Unable to access invalid index: 2: invalid index referenced"],
    ['add below -len-1', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/-4', value: 'bum' }],
      "error in add for path: '/foo/-4': Unable to access invalid index: -4: invalid index referenced"],
    ['add with a word index', { foo: [] }, [{ op: 'add', path: '/foo/x', value: 1 }],
      "error in add for path: '/foo/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax"],
    ['replace past the end', { foo: ['bar', 'baz'] }, [{ op: 'replace', path: '/foo/2', value: 'bum' }],
      'replace operation does not apply: doc is missing key: /foo/2: missing value'],
    ['replace under a missing parent', { name: { foo: 'bat' } }, [{ op: 'replace', path: '/foo/bar', value: 'baz' }],
      'replace operation does not apply: doc is missing path: /foo/bar: missing value'],
    ['replace the document with a scalar', { a: 1 }, [{ op: 'replace', path: '', value: 1 }], 'replace operation value must be object or array'],
    ['move from a missing member', { a: { b: { d: 1 } } }, [{ op: 'move', from: '/a/b/c', path: '/a/b/e' }],
      "error in move for path: 'c': Unable to remove nonexistent key: c: missing value"],
    ['move past the end', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/4' }],
      "error in move for path: '/foo/4': Unable to access invalid index: 4: invalid index referenced"],
    ['copy past the end', { foo: ['bar'] }, [{ op: 'copy', path: '/foo/2', from: '/foo/0' }],
      'error while adding value during copy: Unable to access invalid index: 2: invalid index referenced'],
    ['copy from a missing parent', { a: 1 }, [{ op: 'copy', from: '/x/y', path: '/b' }],
      'copy operation does not apply: doc is missing from path: /x/y: missing value'],
    ['an empty path to add', { foo: 'bar' }, [{ op: 'add', path: '', value: 'qux' }],
      'add operation does not apply: doc is missing path: "": missing value'],
    ['no path', { foo: 'bar' }, [{ op: 'add', pathz: '/baz', value: 'qux' }], 'add operation failed to decode path: missing value'],
    ['a null path', {}, [{ op: 'add', path: null }], 'add operation failed to decode path: missing value'],
    ['no from', {}, [{ op: 'copy', from: null }], 'copy operation failed to decode from: operation, missing from field: missing value'],
    ['a null op', {}, [{ op: null, path: '' }], 'Unexpected kind: unknown'],
    ['an unknown op', { a: 1 }, [{ op: 'increment', path: '/a' }], 'Unexpected kind: increment'],
    ['a null operation', { a: 1 }, [null], 'Unexpected kind: unknown'],
    ['test with no value', { foo: [] }, [{ op: 'test', path: '/foo' }], 'testing value /foo failed: test failed'],
    ['test null against an object', { foo: {} }, [{ op: 'test', path: '/foo', value: null }], 'testing value /foo failed: test failed'],
    ['test of a member under a missing parent', { a: 1 }, [{ op: 'test', path: '/b/c', value: 1 }],
      'test operation does not apply: is missing path: /b/c: missing value'],
    ['test of objects with an extra member', { a: { x: 1 } }, [{ op: 'test', path: '/a', value: { x: 1, y: 2 } }],
      'testing value /a failed: test failed'],
    ['walking through a null member', { a: null }, [{ op: 'add', path: '/a/b', value: 1 }],
      'add operation does not apply: doc is missing path: "/a/b": missing value'],
    ['walking through a scalar', { a: 'x' }, [{ op: 'add', path: '/a/b', value: 1 }],
      'add operation does not apply: doc is missing path: "/a/b": missing value'],
  ])('%s is 422, cause %j', (_name, target, ops, cause) => {
    const err = statusOf(() => applyJsonPatch(target, ops));
    expect(err.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: NOT_APPLIED, reason: 'Invalid', details: {}, code: 422,
    });
    expect((err.cause as Error).message).toBe(cause);
  });

  it('stops at the first failing operation and leaves the target alone', () => {
    const target = { a: [1, 2], b: { c: 1 } };
    const copy = structuredClone(target);
    statusOf(() => applyJsonPatch(target, [{ op: 'remove', path: '/a/0' }, { op: 'test', path: '/b/c', value: 2 }]));
    expect(target).toEqual(copy);
    const ok = applyJsonPatch(target, [{ op: 'remove', path: '/a/0' }, { op: 'add', path: '/b/d', value: { e: 1 } }]);
    expect(target).toEqual(copy);
    expect(ok).toEqual({ a: [2], b: { c: 1, d: { e: 1 } } });
  });

  it('does not share the operation values with the result', () => {
    const value = { deep: [1] };
    const out = applyJsonPatch({}, [{ op: 'add', path: '/v', value }]) as { v: { deep: number[] } };
    out.v.deep.push(2);
    expect(value.deep).toEqual([1]);
  });

  it.each([
    [{ op: 'add' }, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['x', 'json: cannot unmarshal string into Go value of type jsonpatch.Patch'],
    [3, 'json: cannot unmarshal number into Go value of type jsonpatch.Patch'],
    [[1], 'json: cannot unmarshal number into Go value of type jsonpatch.Operation'],
    [[{ op: 'add', path: '/a', value: 1 }, ['x']], 'json: cannot unmarshal array into Go value of type jsonpatch.Operation'],
    [['remove'], 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
  ])('a malformed document %j is 400 %j', (ops, message) => {
    const err = statusOf(() => applyJsonPatch({ a: 1 }, ops));
    expect([err.code, err.reason, err.message]).toEqual([400, 'BadRequest', message]);
  });

  it('accepts 10000 operations and refuses 10001 with 413', () => {
    const op = { op: 'test', path: '/a', value: 1 };
    expect(applyJsonPatch({ a: 1 }, new Array(10000).fill(op))).toEqual({ a: 1 });
    const err = statusOf(() => applyJsonPatch({ a: 1 }, new Array(10001).fill(op)));
    expect(err.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'RequestEntityTooLarge', code: 413,
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
  });

  it('limits how much copy operations may grow the document', () => {
    const big = 'x'.repeat(1024 * 1024);
    const ops = [1, 2, 3, 4].map((i) => ({ op: 'copy', from: '/big', path: `/c${i}` }));
    const err = statusOf(() => applyJsonPatch({ big }, ops));
    expect(err.code).toBe(422);
    expect((err.cause as Error).message).toBe('Unable to complete the copy, the accumulated size increase of copy is '
      + `${3 * (big.length + 2)}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
    expect(Object.keys(applyJsonPatch({ big }, ops.slice(0, 2)) as object)).toHaveLength(3);
  });
});

describe('jsonEqual', () => {
  it.each([
    [1, 1, true], ['a', 'a', true], [null, null, true], [null, undefined, true], [1, '1', false], [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false], [{ a: 1, b: 2 }, { b: 2, a: 1 }, true], [{ a: 1 }, { a: 1, b: 2 }, false], [{ a: null }, { b: null }, false],
    [{}, [], false], [true, 1, false],
  ])('%j = %j is %s', (a, b, expected) => {
    expect(jsonEqual(a, b)).toBe(expected);
    expect(jsonEqual(b, a)).toBe(expected);
  });
});

describe('decodeJsonPatch', () => {
  it.each([
    ['Strict', '[{"op":"add","path":"/a","value":1}]', [], [{ op: 'add', path: '/a', value: 1 }]],
    ['Strict', '[{"op":"add","pathz":"/a","valu":1}]', ['json patch unknown field "[0].pathz"', 'json patch unknown field "[0].valu"'], undefined],
    ['Warn', '[{"op":"add","op":"remove","path":"/a"}]', ['json patch duplicate field "[0].op"'], undefined],
    ['Ignore', '[{"op":"add","pathz":"/a","op":"x"}]', [], undefined],
    ['Strict', 'null', [], null],
  ] as const)('%s %s', (mode, body, strictErrors, patch) => {
    const decoded = decodeJsonPatch(Buffer.from(body), mode);
    expect(decoded.strictErrors).toEqual(strictErrors);
    if (patch !== undefined) expect(decoded.patch).toEqual(patch);
  });

  it.each([
    ['Strict', '[{"op":"add",}]', "error decoding patch: invalid character '}' looking for beginning of object key string"],
    ['Ignore', '[{"op":"add",}]', "invalid character '}' looking for beginning of object key string"],
    ['Warn', '', 'error decoding patch: unexpected end of JSON input'],
    ['Strict', '{"op":"add"}', 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp'],
    ['Ignore', '{"op":"add"}', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['Strict', '[1]', 'error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp'],
    ['Strict', '[{"op":1}]', 'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string'],
    ['Ignore', '["x"]', 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
  ] as const)('%s %s is 400 %j', (mode, body, message) => {
    const err = statusOf(() => decodeJsonPatch(body, mode));
    expect([err.code, err.message]).toEqual([400, message]);
  });
});

describe('decodeMergePatch', () => {
  it.each([
    ['Strict', '{"metadata":{"labels":{"a":"1","a":"2"}}}', ['duplicate field "metadata.labels.a"'], { metadata: { labels: { a: '2' } } }],
    ['Ignore', '{"a":1,"a":2}', [], { a: 2 }],
    ['Ignore', '[1]', [], [1]],
    ['Warn', '{}', [], {}],
  ] as const)('%s %s', (mode, body, strictErrors, patch) => {
    expect(decodeMergePatch(Buffer.from(body), mode)).toEqual({ patch, strictErrors });
  });

  it.each([
    ['Strict', '{"a":', 'error decoding patch: unexpected end of JSON input'],
    ['Ignore', '{"a":', 'Invalid JSON Patch'],
    ['Strict', 'null', 'Invalid JSON Patch'],
    ['Ignore', 'null', 'Invalid JSON Patch'],
    ['Ignore', '"x"', 'Invalid JSON Patch'],
    ['Strict', '[1]', 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['Warn', '3', 'error decoding patch: json: cannot unmarshal number into Go value of type map[string]interface {}'],
  ] as const)('%s %s is 400 %j', (mode, body, message) => {
    const err = statusOf(() => decodeMergePatch(body, mode));
    expect([err.code, err.message]).toEqual([400, message]);
  });
});

describe('patchStrictError', () => {
  it('is 422 on an empty kind and name, quoting the patched object as Go marshals it', () => {
    const err = patchStrictError({ spec: { bogus: 1 }, metadata: { name: 'a<b' } }, ['unknown field "spec.bogus"']);
    const value = '"{\\"metadata\\":{\\"name\\":\\"a\\\\u003cb\\"},\\"spec\\":{\\"bogus\\":1}}"';
    expect(err.code).toBe(422);
    expect(err.message).toBe(` "" is invalid: patch: Invalid value: ${value}: strict decoding error: unknown field "spec.bogus"`);
    expect(err.details?.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${value}: strict decoding error: unknown field "spec.bogus"` },
    ]);
  });

  it('marshals like encoding/json: sorted keys, HTML characters escaped', () => {
    expect(goJsonMarshal({ b: [{ d: 1, c: '&' }], a: '>' })).toBe('{"a":"\\u003e","b":[{"c":"\\u0026","d":1}]}');
  });
});

// Findings of "Hardening I": patches are request data. No key of theirs may reach a prototype (`__proto__`,
// `constructor` and `prototype` are plain keys, as in Go), and what they build stays within the depth bound.
describe('hostile patches', () => {
  const parse = (text: string): unknown => JSON.parse(text);
  const prototypeUntouched = () => {
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).denied).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTOTYPE_NAMES);
  };
  const OBJECT_PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();
  afterEach(prototypeUntouched);

  it('keeps a merge patch\'s __proto__ as data, as evanphx keeps it in a Go map', () => {
    const target = { metadata: { name: 's' } };
    const patched = applyMergePatch(target, parse('{"__proto__":{"denied":true},"metadata":{"labels":{"__proto__":"x"}}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(Object.hasOwn(patched, '__proto__')).toBe(true);
    expect(JSON.stringify(patched)).toBe('{"metadata":{"name":"s","labels":{"__proto__":"x"}},"__proto__":{"denied":true}}');
    expect(goJsonMarshal(patched)).toBe('{"__proto__":{"denied":true},"metadata":{"labels":{"__proto__":"x"},"name":"s"}}');
    expect((patched as { denied?: boolean }).denied).toBeUndefined();
  });

  it('merges into an existing __proto__ key, and deletes it with null', () => {
    const target = parse('{"__proto__":{"a":1},"constructor":{"prototype":{"b":2}}}');
    const patched = applyMergePatch(target, parse('{"__proto__":{"c":3},"constructor":{"prototype":{"denied":true}}}'));
    expect(JSON.stringify(patched)).toBe('{"__proto__":{"a":1,"c":3},"constructor":{"prototype":{"b":2,"denied":true}}}');
    expect(JSON.stringify(applyMergePatch(patched, parse('{"__proto__":null,"constructor":null}')))).toBe('{}');
    expect(JSON.stringify(applyMergePatch({}, parse('{"constructor":{"prototype":{"denied":true}}}'))))
      .toBe('{"constructor":{"prototype":{"denied":true}}}');
    // A replacing value loses its null members, __proto__ included.
    expect(JSON.stringify(applyMergePatch({ a: 1 }, parse('{"a":{"__proto__":null,"constructor":{"x":null}}}')))).toBe('{"a":{"constructor":{}}}');
  });

  it.each([
    ['/__proto__/denied'], ['/constructor/prototype/denied'], ['/a/__proto__/denied'], ['/a/constructor/prototype/denied'],
  ])('does not walk an inherited member: add %s is 422, as Go finds no such key', (path) => {
    const err = statusOf(() => applyJsonPatch({ a: {} }, [{ op: 'add', path, value: true }]));
    expect([err.code, err.message]).toEqual([422, NOT_APPLIED]);
  });

  it('adds, replaces, copies, moves and removes __proto__ and constructor as plain members', () => {
    let doc = applyJsonPatch({ a: {} }, parse('[{"op":"add","path":"/__proto__","value":{"denied":true}},'
      + '{"op":"add","path":"/a/constructor","value":{"prototype":{"denied":true}}},'
      + '{"op":"add","path":"/__proto__/more","value":1},'
      + '{"op":"replace","path":"/__proto__/denied","value":false},'
      + '{"op":"copy","from":"/__proto__","path":"/constructor"},'
      + '{"op":"test","path":"/constructor","value":{"denied":false,"more":1}},'
      + '{"op":"move","from":"/a/constructor/prototype","path":"/prototype"}]')) as Record<string, unknown>;
    expect(JSON.stringify(doc)).toBe('{"a":{"constructor":{}},"__proto__":{"denied":false,"more":1},"constructor":{"denied":false,"more":1},'
      + '"prototype":{"denied":true}}');
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    doc = applyJsonPatch(doc, parse('[{"op":"remove","path":"/__proto__"},{"op":"remove","path":"/constructor"}]')) as Record<string, unknown>;
    expect(JSON.stringify(doc)).toBe('{"a":{"constructor":{}},"prototype":{"denied":true}}');
    const err = statusOf(() => applyJsonPatch({}, [{ op: 'remove', path: '/constructor' }]));
    expect([err.code, (err.cause as Error).message])
      .toEqual([422, "error in remove for path: '/constructor': Unable to remove nonexistent key: constructor: missing value"]);
    // evanphx's leniencies hold for inherited names too: replace adds a missing member, test of null passes.
    expect(JSON.stringify(applyJsonPatch({}, [{ op: 'replace', path: '/toString', value: 1 }]))).toBe('{"toString":1}');
    expect(applyJsonPatch({}, [{ op: 'test', path: '/hasOwnProperty', value: null }])).toEqual({});
    expect(statusOf(() => applyJsonPatch({}, [{ op: 'test', path: '/hasOwnProperty', value: 1 }])).code).toBe(422);
  });

  it('compares __proto__ members as data', () => {
    expect(jsonEqual(parse('{"__proto__":{"a":1}}'), {})).toBe(false);
    expect(jsonEqual({}, parse('{"__proto__":{"a":1}}'))).toBe(false);
    expect(jsonEqual(parse('{"__proto__":{"a":1}}'), parse('{"__proto__":{"a":1}}'))).toBe(true);
    expect(jsonEqual({ constructor: 1 }, { toString: 1 })).toBe(false);
  });

  const nested = (depth: number): unknown => parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

  it('works on documents as deep as the body bound', () => {
    const deep = nested(MAX_JSON_DEPTH - 1);
    expect(jsonEqual(applyMergePatch({}, { x: deep }), { x: deep })).toBe(true);
    expect(jsonEqual(applyJsonPatch({ x: deep }, [{ op: 'copy', from: '/x', path: '/y' }]), { x: deep, y: deep })).toBe(true);
    expect(goJsonMarshal({ x: deep })).toBe(JSON.stringify({ x: deep }));
  });

  it('refuses a patched document deeper than the bound with 422 upstream\'s way', () => {
    const deep = nested(MAX_JSON_DEPTH - 1);
    for (const apply of [
      () => applyJsonPatch({ x: deep }, [{ op: 'add', path: '/x/a', value: { b: deep } }]),
      () => applyMergePatch({ x: deep }, { y: { z: deep } }),
    ]) {
      const err = statusOf(apply);
      expect([err.code, err.reason]).toEqual([422, 'Invalid']);
      expect(err.message).toMatch(/^ "" is invalid: patch: Invalid value: "\{.*": invalid character '\{' exceeded max depth$/s);
    }
  });

  it('clones without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100000; i++) deep = { a: deep };
    expect(statusOf(() => applyMergePatch({}, { x: deep })).code).toBe(422);
    expect(statusOf(() => applyJsonPatch({}, [{ op: 'add', path: '/x', value: deep }])).code).toBe(422);
  });
});
