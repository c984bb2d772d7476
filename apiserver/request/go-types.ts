/**
 * What decoding into the Go struct of a kind checks after the JSON syntax: every field the schema types has a
 * value of that type, and `null` leaves the field at its zero value. Kiosk's Space and Account are Go-typed
 * (not unstructured), so `metadata: "x"` or `spec.account: 5` is a 400 from the decoder, never a value that
 * reaches the registry with the wrong shape; `spec: null` is an absent spec.
 *
 * The walk follows the OpenAPI schema, so its depth is the schema's (a handful of levels), whatever the body's:
 * free-form parts (RawExtension, FieldsV1, preserve-unknown-fields) are not entered. Pure and in place.
 */
import type { Schema } from '../../storage/apimachinery/openapi/schema.js';
import { goJsonType, isPlainObject } from '../../storage/apimachinery/go-json.js';
import { resolveSchema } from './decode.js';
import type { Catalogue, Resolved } from './decode.js';

const REF_PREFIX = '#/components/schemas/';
/** Deeper than any schema this server publishes; a guard against a self-referencing schema. */
const MAX_SCHEMA_DEPTH = 64;

/** The Go type a schema stands for, as encoding/json names it: `v1.ObjectMeta`, `map[string]string`, `[]string`. */
function goTypeOf(schema: Schema, catalogue: Catalogue, depth = 0): string {
  const ref = schema.$ref ?? schema.allOf?.find((s) => s.$ref)?.$ref;
  if (ref?.startsWith(REF_PREFIX)) return ref.slice(REF_PREFIX.length).split('.').slice(-2).join('.');
  const resolved = resolveSchema(schema, catalogue);
  switch (resolved.type) {
    case 'string': return 'string';
    case 'boolean': return 'bool';
    case 'number': return 'float64';
    case 'integer': return resolved.format === 'int32' ? 'int32' : 'int64';
    case 'array': return resolved.items && depth < 4 ? `[]${goTypeOf(resolved.items, catalogue, depth + 1)}` : '[]interface {}';
    default:
      // An inline struct schema carries no Go type name.
      if (resolved.properties) return 'struct';
      if (isPlainObject(resolved.additionalProperties) && depth < 4) return `map[string]${goTypeOf(resolved.additionalProperties, catalogue, depth + 1)}`;
      return 'map[string]interface {}';
  }
}

/** Go's json.UnmarshalTypeError text for `value` found at `path` of `kind`. */
function typeError(kind: string, path: string, value: unknown, goType: string): Error {
  const shown = typeof value === 'number' ? `number ${String(value)}` : goJsonType(value);
  return new Error(`json: cannot unmarshal ${shown} into Go struct field ${kind}.${path} of type ${goType}`);
}

const INT64_BOUND = 2 ** 63;
const INT_BOUNDS: Record<string, number> = { int32: 2 ** 31, int64: INT64_BOUND };

/** Whether a JSON value fits the scalar type of `schema` (objects and arrays are checked by the walk). */
function fitsScalar(value: unknown, schema: Pick<Schema, 'type' | 'format'>): boolean {
  switch (schema.type) {
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return false;
      const bound = INT_BOUNDS[schema.format ?? 'int64'] ?? INT64_BOUND;
      return value >= -bound && value < bound;
    }
    default: return true;
  }
}

/**
 * Checks `obj` against the schema `schemaName` as decoding into its Go struct would, and removes `null`
 * values of typed fields (Go leaves them at their zero value, which marshals as absent).
 * @throws Error with Go's `json: cannot unmarshal …` text for the first field of the wrong type.
 */
export function checkGoTypes(obj: Record<string, unknown>, schemaName: string, kind: string, catalogue: Catalogue): void {
  // A map of 10,000 labels resolves the same value schema 10,000 times: once is enough.
  const resolvedOf = new Map<Schema, Resolved>();
  const resolve = (schema: Schema): Resolved => {
    let r = resolvedOf.get(schema);
    if (!r) resolvedOf.set(schema, (r = resolveSchema(schema, catalogue)));
    return r;
  };
  // The Go type is named only for the error message, so only when there is one.
  const fail = (path: string, value: unknown, schema: Schema) => typeError(kind, path, value, path === '' ? kind : goTypeOf(schema, catalogue));
  const walk = (value: unknown, schema: Schema, path: string, depth: number): void => {
    if (depth > MAX_SCHEMA_DEPTH) return;
    const resolved = resolve(schema);
    const type = resolved.type;
    if (type === 'object' || resolved.properties || resolved.additionalProperties !== undefined) {
      if (!isPlainObject(value)) throw fail(path, value, schema);
      const properties = resolved.properties;
      const additional = isPlainObject(resolved.additionalProperties) ? resolved.additionalProperties as Schema : undefined;
      for (const key of Object.keys(value)) {
        const prop = properties && Object.hasOwn(properties, key) ? properties[key] : undefined;
        const childSchema = prop ?? additional;
        if (!childSchema) continue;
        const child = value[key];
        if (child === null) {
          // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the decoded body itself loses the field, as Go's zero value would
          delete value[key];
          continue;
        }
        // Go names a map's field, never the key inside it.
        walk(child, childSchema, prop ? (path ? `${path}.${key}` : key) : path, depth + 1);
      }
      return;
    }
    if (type === 'array') {
      if (!Array.isArray(value)) throw fail(path, value, schema);
      const items = resolved.items;
      if (!items) return;
      for (const item of value as unknown[]) if (item !== null) walk(item, items, path, depth + 1);
      return;
    }
    if (!fitsScalar(value, resolved)) throw fail(path, value, schema);
  };
  walk(obj, { $ref: `${REF_PREFIX}${schemaName}` }, '', 0);
}
