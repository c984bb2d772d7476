// FieldsV1 set difference, as structured-merge-diff's fieldpath.Set.Difference on the encoded sets kube-apiserver
// writes into managedFields.
import { isEmptyFields, subtractFields } from '../../storage/apimachinery/fields-v1.js';

describe('subtractFields', () => {
  it('removes the paths the other set has and the nodes on the way to them, keeping the rest', () => {
    const server = { 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {}, 'f:kiosk.sh/account': {} }, 'f:annotations': { '.': {}, 'f:x': {} } }, 'f:spec': { '.': {}, 'f:space': {}, 'f:subjects': {} } };
    const client = { 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } }, 'f:spec': { 'f:space': {}, 'f:subjects': {} } };
    expect(subtractFields(server, client)).toEqual({
      'f:metadata': { 'f:labels': { 'f:kiosk.sh/account': {} }, 'f:annotations': { '.': {}, 'f:x': {} } },
    });
  });

  it('is undefined when nothing is left, and leaves what is below a removed path', () => {
    const a = { 'f:spec': { 'f:space': {} } };
    expect(subtractFields(a, a)).toBeUndefined();
    expect(subtractFields({ 'f:spec': { '.': {}, 'f:limit': {} } }, { 'f:spec': {} })).toEqual({ 'f:spec': { 'f:limit': {} } });
    expect(subtractFields({ 'k:{"name":"a"}': { '.': {}, 'f:name': {} } }, { 'k:{"name":"b"}': {} })).toEqual({ 'k:{"name":"a"}': { '.': {}, 'f:name': {} } });
  });

  it('says whether a set is empty', () => {
    expect(isEmptyFields({})).toBe(true);
    expect(isEmptyFields(undefined)).toBe(true);
    expect(isEmptyFields({ 'f:a': {} })).toBe(false);
  });

  it('refuses a set nested past any object kube-apiserver serves, instead of recursing without bound', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) deep = { 'f:x': deep };
    expect(() => subtractFields(deep as never, undefined)).toThrow('FieldsV1 nested deeper than 100');
  });
});
