import { canonicalJson, sortedJson } from '../../storage/apimachinery/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and prints as JSON.stringify otherwise', () => {
    const value = { b: [3, { z: 1, a: undefined, y: null }, undefined], a: 'x<y', '10': true, '9': -0, c: { __proto__: null, e: 1.5 } };
    expect(canonicalJson(value)).toBe('{"10":true,"9":0,"a":"x<y","b":[3,{"y":null,"z":1},null],"c":{"e":1.5}}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson('s')).toBe('"s"');
    expect(canonicalJson(null)).toBe('null');
    expect(sortedJson({ a: '<&>\u2028' }, true)).toBe('{"a":"\\u003c\\u0026\\u003e\\u2028"}');
  });

  it('keeps __proto__ as a key', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it('prints values nested as deep as kube-apiserver stores them (10000), where JSON.stringify overflows', () => {
    const depth = 10000;
    const deep = JSON.parse(`${'{"b":1,"a":'.repeat(depth)}[]${'}'.repeat(depth)}`) as unknown;
    expect(canonicalJson(deep)).toBe(`${'{"a":'.repeat(depth)}[]${',"b":1}'.repeat(depth)}`);
  });
});
