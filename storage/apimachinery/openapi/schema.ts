/**
 * The small slice of OpenAPI 3.0 schema objects this server publishes, and the helpers every schema module
 * shares. Schemas are written once, in v3 form; the Swagger 2.0 form is derived from them (see `toSwaggerV2`).
 */
export interface Schema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean' | 'number';
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  allOf?: Schema[];
  $ref?: string;
  default?: unknown;
  minimum?: number;
  enum?: unknown[];
  [extension: `x-${string}`]: unknown;
}

export const GVK_EXTENSION = 'x-kubernetes-group-version-kind';

const V3_PREFIX = '#/components/schemas/';
const V2_PREFIX = '#/definitions/';

/** A bare reference to a component schema (used where OpenAPI does not allow siblings: items, content). */
export const ref = (name: string): Schema => ({ $ref: `${V3_PREFIX}${name}` });

/**
 * A property typed by another schema. kube-openapi's v3 output wraps the reference in `allOf` so that a
 * description (and a default) may sit next to it; we do the same so that the documents read like upstream's.
 * `defaulted` mirrors upstream: struct values carry `default: {}`, pointers do not.
 */
export const refProperty = (name: string, description: string, defaulted = false): Schema => ({
  allOf: [ref(name)],
  ...(defaulted ? { default: {} } : {}),
  description,
});

export const stringProperty = (description: string, defaulted = false): Schema =>
  ({ ...(defaulted ? { default: '' } : {}), description, type: 'string' });

export const stringMap = (description: string): Schema =>
  ({ additionalProperties: { default: '', type: 'string' }, description, type: 'object' });

export const stringArray = (description: string, listType = 'atomic'): Schema =>
  ({ description, items: { default: '', type: 'string' }, type: 'array', 'x-kubernetes-list-type': listType });

/**
 * The Swagger 2.0 form of a v3 schema, as kube-openapi derives its v2 output: `$ref` sits next to its
 * description instead of inside `allOf`, references point at `#/definitions/`, and no defaults are published.
 * Walks the schema structurally, so a property that happens to be called "default" survives.
 */
export function toSwaggerV2(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema) as Array<[keyof Schema, unknown]>) {
    if (key === 'default') continue;
    if (key === '$ref') out.$ref = String(value).replace(V3_PREFIX, V2_PREFIX);
    else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toSwaggerV2(v)]));
    } else if (key === 'items') out.items = toSwaggerV2(value as Schema);
    else if (key === 'additionalProperties') {
      out.additionalProperties = typeof value === 'boolean' ? value : toSwaggerV2(value as Schema);
    } else if (key === 'allOf') {
      const all = (value as Schema[]).map(toSwaggerV2);
      const only = all.length === 1 ? all[0] : undefined;
      if (only?.$ref && Object.keys(only).length === 1) out.$ref = only.$ref;
      else out.allOf = all;
    } else (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
