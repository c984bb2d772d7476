/**
 * fast-check arbitraries derived from the OpenAPI v3 schemas the server itself publishes
 * (registry/openapi/schemas.ts): when a field is added to Space or Account, the fuzzer sends it without
 * anyone editing a hand-written shape. `$ref` and `allOf` are followed as the decoder follows them;
 * every property is optional, so absent fields are covered too. Where random text would never get past
 * the first check (names, kinds, apiVersion), `hints` bias the value towards something the server accepts,
 * so that deeper code is reached as well.
 */
import fc from 'fast-check';
import type { Schema } from '../../storage/apimachinery/openapi/schema.js';

const REF_PREFIX = '#/components/schemas/';

export type Catalogue = Readonly<Record<string, Schema>>;

/** Arbitraries that replace the schema-derived one for a property of this name (any depth). */
export type Hints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

export interface SchemaArbitraryOptions {
  hints?: Hints;
  /** Past this depth an object is `{}` and an array `[]` (ObjectMeta -> ManagedFieldsEntry -> FieldsV1 ...). */
  maxDepth?: number;
  maxItems?: number;
}

/** Text a tenant might type, and text nobody should: unicode, NUL, RTL marks, lone surrogates. */
export const textArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,30}[a-z0-9])?$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\u202eevil', '\u200f\u200e',
      '\ufeff', '..', '/', '%2F', 'a/b', '*', '\\', '"', '\'', '${x}', '{{.}}', 'admin', 'kube-system', 'kiosk-system',
      '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'NaN', 'null', 'true', '0', '-1',
      'Ä'.repeat(40), '😀'.repeat(70), 'a'.repeat(64), 'a'.repeat(254), `${'a'.repeat(63)}.${'b'.repeat(63)}`),
  },
);

function resolve(schema: Schema, catalogue: Catalogue, seen = 0): Schema {
  if (seen > 16) return {};
  let out: Schema = { ...schema };
  if (schema.$ref?.startsWith(REF_PREFIX)) {
    const target = catalogue[schema.$ref.slice(REF_PREFIX.length)];
    if (target) out = { ...resolve(target, catalogue, seen + 1), ...out, $ref: undefined };
  }
  for (const sub of schema.allOf ?? []) {
    const r = resolve(sub, catalogue, seen + 1);
    out = { ...r, ...out, properties: { ...(r.properties ?? {}), ...(out.properties ?? {}) }, allOf: undefined };
    if (!out.type && r.type) out.type = r.type;
  }
  return out;
}

/** An arbitrary of JSON values shaped by `schema` (a component name or an inline schema). */
export function schemaArbitrary(catalogue: Catalogue, schema: string | Schema, options: SchemaArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const hints = options.hints ?? {};
  const maxDepth = options.maxDepth ?? 6;
  const maxItems = options.maxItems ?? 3;
  const build = (s: Schema, depth: number): fc.Arbitrary<unknown> => {
    const r = resolve(s, catalogue);
    if (r.enum?.length) return fc.constantFrom(...r.enum);
    const type = r.type ?? (r.properties || r.additionalProperties ? 'object' : undefined);
    switch (type) {
      case 'string':
        return r.format === 'date-time' ? fc.oneof(fc.constant('2024-01-01T00:00:00Z'), textArbitrary) : textArbitrary;
      case 'integer':
        return r.format === 'int32'
          ? fc.oneof(fc.integer({ min: r.minimum ?? -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -5, max: 5 }))
          : fc.oneof(fc.integer(), fc.maxSafeInteger());
      case 'number':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'array': {
        if (depth >= maxDepth) return fc.constant([]);
        return fc.array(r.items ? build(r.items, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { maxLength: maxItems });
      }
      case 'object': {
        if (depth >= maxDepth) return fc.constant({});
        if (r.properties) {
          const model: Record<string, fc.Arbitrary<unknown>> = {};
          for (const [key, prop] of Object.entries(r.properties)) model[key] = hints[key] ?? build(prop, depth + 1);
          return fc.record(model, { requiredKeys: [] });
        }
        if (r.additionalProperties && typeof r.additionalProperties === 'object') {
          return fc.dictionary(textArbitrary, build(r.additionalProperties, depth + 1), { maxKeys: maxItems });
        }
        return fc.dictionary(textArbitrary, fc.jsonValue({ maxDepth: 2 }), { maxKeys: maxItems });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };
  const root: Schema = typeof schema === 'string' ? { $ref: `${REF_PREFIX}${schema}` } : schema;
  return build(root, 0);
}
