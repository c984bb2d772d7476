/**
 * Decoding of request bodies as genericapiserver does it for a custom resource (create.go, update.go,
 * rest.go transformDecodeError, the JSON/YAML serializer, the CRD schema-coercing decoder and
 * sigs.k8s.io/json's strict mode), with upstream's error texts:
 * - an unsupported Content-Type is 415;
 * - a body that is not JSON, or not an object, is 400 `the object provided is unrecognized (must be of type Space): …`;
 * - unknown and duplicate fields are reported per `fieldValidation` (Strict: 400, Warn: warnings, Ignore: nothing);
 * - a wrong apiVersion is 400, a wrong kind in our group/version 422 on `kind` (customResourceValidator).
 * Pure: no I/O, no clock.
 */
import { badRequest, invalid, unsupportedMediaType } from '../../storage/apimachinery/errors.js';
import type { GroupVersionKind } from '../../storage/apimachinery/group-version.js';
import type { Schema } from '../../storage/apimachinery/openapi/schema.js';
import { decodeYaml } from '../../storage/apimachinery/yaml.js';
import { goJsonType, isPlainObject, JsonSyntaxError, MAX_JSON_DEPTH, parseJson } from '../../storage/apimachinery/go-json.js';
import { checkGoTypes } from './go-types.js';
import { MAX_RECORDED_WARNINGS } from './warnings.js';
import { fieldError } from '../../storage/apimachinery/field-errors.js';
import { goQuote } from '../../storage/apimachinery/go-quote.js';

/** metav1.FieldValidation directives. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The media types a create or update body may have, in the order the 415 lists them. */
const BODY_MEDIA_TYPES = ['application/json', 'application/yaml'];

// ---------------------------------------------------------------------------------------------------------
// YAML (application/yaml): sigs.k8s.io/yaml's YAML 1.1 reading, the reader in storage/apimachinery/yaml.ts, shared with templates.
// ---------------------------------------------------------------------------------------------------------

/**
 * The most lines and flow separators (`,` `{` `[`) a YAML body may have: an upper bound on its values that costs
 * one pass to count. The YAML reader spends about 10 µs a value (a 2.5 MB body of 200,000 keys held the event
 * loop for 2 s), so the bound keeps a body to tens of milliseconds. kubectl and client libraries send JSON; YAML
 * comes from hand-written requests, and a Space or Account in YAML is a few dozen lines.
 */
export const MAX_YAML_SEPARATORS = 5_000;

function yamlSeparators(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x2c || c === 0x7b || c === 0x5b) count++;
  }
  return count;
}

/**
 * Parses a YAML document as kube-apiserver's YAML serializer does (YAML 1.1 scalars, timestamps kept as
 * written, alias expansion and depth bounded). Duplicate keys do not fail the parse (the last wins, as in
 * non-strict decoding); they come back as one go-yaml strict error text, which is what a strict decode reports.
 * @throws JsonSyntaxError `yaml: …` (or `json: unsupported value: NaN`), as kube-apiserver words it
 */
export function parseYaml(text: string): { value: unknown; strictError?: string } {
  const separators = yamlSeparators(text);
  if (separators > MAX_YAML_SEPARATORS) {
    throw new JsonSyntaxError(`yaml: too many values: a YAML body may hold at most ${String(MAX_YAML_SEPARATORS)} lines and flow separators, it has ${String(separators)}`);
  }
  try {
    return decodeYaml(text);
  } catch (err) {
    throw new JsonSyntaxError((err as Error).message);
  }
}

/** addStrictDecodingWarnings/parseYAMLWarnings: a multi-line go-yaml error becomes one warning per line. */
function yamlStrictWarnings(strictError: string): string[] {
  return strictError.split('\n').map((l) => l.trim()).filter((l) => l !== '' && l !== 'yaml: unmarshal errors:');
}

// ---------------------------------------------------------------------------------------------------------
// Media type, group/version/kind.
// ---------------------------------------------------------------------------------------------------------

/** The media type of a Content-Type header, without parameters, lower-cased; `application/json` when absent. */
export function bodyMediaType(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === '' ? 'application/json' : type;
}

/** rest.go summarizeData: the first 30 bytes as text when the body looks like JSON, else as hex. */
export function summarizeData(raw: Buffer, maxLength = 30): string {
  if (raw.length === 0) return '<empty>';
  const cut = raw.length > maxLength;
  const head = raw.subarray(0, maxLength);
  const shown = raw[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return cut ? `${shown} ...` : shown;
}

interface GroupVersion { group: string; version: string }

/** schema.ParseGroupVersion. */
export function parseGroupVersion(apiVersion: string): GroupVersion {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const slashes = apiVersion.split('/').length - 1;
  if (slashes === 0) return { group: '', version: apiVersion };
  if (slashes === 1) {
    const [group = '', version = ''] = apiVersion.split('/');
    return { group, version };
  }
  throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
}

const gvString = (gv: GroupVersion) => (gv.group ? `${gv.group}/${gv.version}` : gv.version);

// The anonymous struct json.SimpleMetaFactory.Interpret decodes into, as reflect prints its type.
const FIND_KIND_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** json.SimpleMetaFactory.Interpret: apiVersion and kind, or the Go error it would return. */
function interpret(value: unknown): { gv: GroupVersion; kind: string } {
  if (value === null) return { gv: { group: '', version: '' }, kind: '' };
  if (!isPlainObject(value)) throw new Error(`json: cannot unmarshal ${goJsonType(value)} into Go value of type ${FIND_KIND_TYPE}`);
  for (const field of Object.keys(value)) {
    if (field !== 'apiVersion' && field !== 'kind') continue;
    const v = value[field];
    if (v !== null && typeof v !== 'string') throw new Error(`json: cannot unmarshal ${goJsonType(v)} into Go struct field .${field} of type string`);
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  return { gv: parseGroupVersion(apiVersion), kind: typeof value.kind === 'string' ? value.kind : '' };
}

/** json serializer gvkWithDefaults. */
function withDefaults(actual: { gv: GroupVersion; kind: string }, defaults: GroupVersionKind) {
  const out = { group: actual.gv.group, version: actual.gv.version, kind: actual.kind || defaults.kind };
  if (!out.version && !out.group) {
    out.group = defaults.group;
    out.version = defaults.version;
  }
  if (!out.version && out.group === defaults.group) out.version = defaults.version;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Unknown fields against the published OpenAPI v3 schemas.
// ---------------------------------------------------------------------------------------------------------

const REF_PREFIX = '#/components/schemas/';

/** Component schemas by name, as `allSchemas()` returns them (typed loosely: upstream schemas come from JSON). */
export type Catalogue = Readonly<Record<string, unknown>>;
const PRESERVE = 'x-kubernetes-preserve-unknown-fields';

export interface Resolved {
  type?: Schema['type'];
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  /** x-kubernetes-preserve-unknown-fields: keys outside `properties` are kept. */
  preserve: boolean;
}

/** Flattens `$ref` (to `#/components/schemas/<name>`) and `allOf` into one view of what the schema allows. */
export function resolveSchema(schema: Schema | undefined, catalogue: Catalogue): Resolved {
  const out: Resolved = { preserve: false };
  const visit = (s: Schema | undefined, depth: number) => {
    if (!s || depth > 32) return;
    const ref = s.$ref?.startsWith(REF_PREFIX) ? s.$ref.slice(REF_PREFIX.length) : undefined;
    if (ref !== undefined && Object.hasOwn(catalogue, ref)) visit(catalogue[ref] as Schema | undefined, depth + 1);
    for (const sub of s.allOf ?? []) visit(sub, depth + 1);
    if (s.type) out.type = s.type;
    if (s.format) out.format = s.format;
    if (s.properties) out.properties = { ...(out.properties ?? {}), ...s.properties };
    if (s.additionalProperties !== undefined) out.additionalProperties = s.additionalProperties;
    if (s.items) out.items = s.items;
    if (s[PRESERVE] === true) out.preserve = true;
  };
  visit(schema, 0);
  return out;
}

/**
 * The JSON paths of the fields in `obj` that the OpenAPI v3 schema `schemaName` of `catalogue` does not know,
 * as the CRD pruner reports them (`spec.bogus`, `spec.subjects[0].bogus`; map values continue with `.key`).
 * `$ref` and `allOf` are followed; `additionalProperties` makes a map; an object schema without properties,
 * or one with `x-kubernetes-preserve-unknown-fields`, accepts any key. Values of the wrong type are left to
 * validation. Upstream order: the paths outside `metadata`, sorted, then those inside it, sorted.
 */
export function unknownFields(obj: unknown, schemaName: string, catalogue: Catalogue): string[] {
  const found: string[] = [];
  // Long lists (subjects, templateInstances) resolve the same item schema over and over.
  const cache = new Map<Schema, Resolved>();
  const resolved = (schema: Schema | undefined): Resolved => {
    if (!schema) return { preserve: false };
    let r = cache.get(schema);
    if (!r) cache.set(schema, (r = resolveSchema(schema, catalogue)));
    return r;
  };
  const walk = (value: unknown, schema: Schema | undefined, path: string, depth: number) => {
    if (depth > MAX_JSON_DEPTH) return;
    const s = resolved(schema);
    if (Array.isArray(value)) {
      if (s.items) value.forEach((item, i) => { walk(item, s.items, `${path}[${String(i)}]`, depth + 1); });
      return;
    }
    // An object schema that names no properties (FieldsV1, RawExtension, an unresolvable reference) is a map.
    if (!isPlainObject(value) || (!s.properties && s.additionalProperties === undefined)) return;
    // Object.keys, not Object.entries: V8 builds the pairs of a large object far more slowly.
    for (const key of Object.keys(value)) {
      const child = value[key];
      const childPath = path ? `${path}.${key}` : key;
      // Own properties only: `constructor` or `__proto__` in the data must not find Object.prototype's.
      const prop = s.properties && Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
      if (prop) walk(child, prop, childPath, depth + 1);
      else if (isPlainObject(s.additionalProperties)) walk(child, s.additionalProperties, childPath, depth + 1);
      else if (s.additionalProperties === true || s.preserve) continue;
      else found.push(childPath);
    }
  };
  walk(obj, { $ref: `${REF_PREFIX}${schemaName}` }, '', 0);
  const inMetadata = (p: string) => p === 'metadata' || p.startsWith('metadata.') || p.startsWith('metadata[');
  return [...found.filter((p) => !inMetadata(p)).sort(), ...found.filter(inMetadata).sort()];
}

// ---------------------------------------------------------------------------------------------------------
// fieldValidation.
// ---------------------------------------------------------------------------------------------------------

/**
 * handlers.fieldValidation: the directive a request runs with. An absent or empty parameter means Warn;
 * anything else is returned as given (options validation rejects unknown values with 422 beforehand).
 */
export function fieldValidation(value: string | undefined): FieldValidation {
  return value === 'Strict' || value === 'Ignore' ? value : 'Warn';
}

/** The strict decoding error texts, as runtime.NewStrictDecodingError lists them: duplicates, then unknown fields. */
export function strictDecodingErrors(unknown: string[], duplicates: string[]): string[] {
  return [...duplicates.map((d) => `duplicate field ${goQuote(d)}`), ...unknown.map((u) => `unknown field ${goQuote(u)}`)];
}

/**
 * What a strict decoding problem does under `mode`. Strict: throws 400 `<Kind> in version "<version>" cannot be
 * handled as a <Kind>: strict decoding error: duplicate field "a", unknown field "spec.bogus"`. Warn: returns
 * one warning text per problem. Ignore: returns none. `kind` and `version` are those of the data; `targetKind`
 * (default `kind`) is the kind the endpoint serves. `extra` carries already-worded errors (a YAML duplicate).
 */
export function strictDecodingOutcome(kind: string, version: string, unknown: string[], duplicates: string[],
  mode: FieldValidation, targetKind = kind, extra: string[] = []): string[] {
  if (mode === 'Ignore' || extra.length + unknown.length + duplicates.length === 0) return [];
  if (mode === 'Strict') {
    const errors = [...extra, ...strictDecodingErrors(unknown, duplicates)];
    throw badRequest(`${kind} in version ${goQuote(version)} cannot be handled as a ${targetKind}: strict decoding error: ${errors.join(', ')}`);
  }
  // A body of a few MiB can hold hundreds of thousands of unknown fields; no more warnings than the Warning
  // header can carry are worded (see MAX_RECORDED_WARNINGS).
  const warnings = extra.flatMap((e) => (e.startsWith('yaml: ') ? yamlStrictWarnings(e) : [e]));
  const room = Math.max(MAX_RECORDED_WARNINGS - warnings.length, 0);
  const dupes = duplicates.slice(0, room);
  warnings.push(...strictDecodingErrors(unknown.slice(0, room - dupes.length), dupes));
  return warnings;
}

// ---------------------------------------------------------------------------------------------------------
// The whole decode.
// ---------------------------------------------------------------------------------------------------------

export interface DecodeOptions {
  /** The request's directive (default Warn, as upstream). */
  fieldValidation?: FieldValidation;
  /** With a schema, unknown fields are reported too (only for bodies of exactly the expected group, version and kind). */
  schemaName?: string;
  catalogue?: Catalogue;
}

export interface Decoded {
  object: Record<string, unknown>;
  /** Warning texts for `fieldValidation=Warn`. */
  warnings: string[];
  duplicates: string[];
  unknown: string[];
}

/**
 * Decodes a create or update body into an object of `expected`, in upstream's order: media type (415),
 * syntax and type of the document (400), a missing kind (400), strict decoding (400 under Strict, warnings
 * under Warn), apiVersion (400), kind (422).
 */
export function decodeObject(raw: Buffer, contentType: string | undefined, expected: GroupVersionKind, options: DecodeOptions = {}): Decoded {
  const mode = options.fieldValidation ?? 'Warn';
  const strict = mode !== 'Ignore';
  const mediaType = bodyMediaType(contentType);
  if (!BODY_MEDIA_TYPES.includes(mediaType)) throw unsupportedMediaType(BODY_MEDIA_TYPES.join(', '));
  const unrecognized = (err: string) =>
    badRequest(`the object provided is unrecognized (must be of type ${expected.kind}): ${err} (${summarizeData(raw)})`);

  const text = raw.toString('utf8');
  let value: unknown;
  let duplicates: string[] = [];
  let yamlStrictError: string | undefined;
  if (mediaType === 'application/yaml') {
    try {
      const parsed = parseYaml(text);
      value = parsed.value;
      yamlStrictError = parsed.strictError;
    } catch (err) {
      throw unrecognized((err as Error).message);
    }
  } else {
    try {
      ({ value, duplicates } = parseJson(text));
    } catch (err) {
      throw unrecognized(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
    }
  }

  let interpreted: { gv: GroupVersion; kind: string };
  try {
    interpreted = interpret(value);
  } catch (err) {
    throw unrecognized((err as Error).message.startsWith('unexpected GroupVersion')
      ? (err as Error).message : `couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
  const actual = withDefaults(interpreted, expected);

  if (!isPlainObject(value) || interpreted.kind === '') {
    // A strict decode fills the unstructured object first and finds the kind missing afterwards, with no kind
    // to report, quoting the body as sent; a non-strict one fails inside Unstructured.UnmarshalJSON, which
    // quotes the JSON it was given, and the serializer reports the defaulted kind.
    if (strict) throw unrecognized(`Object 'Kind' is missing in '${text}'`);
    const json = mediaType === 'application/json' ? text : JSON.stringify(value);
    throw badRequest(`${actual.kind} in version ${goQuote(actual.version)} cannot be handled as a ${expected.kind}: `
      + `Object 'Kind' is missing in '${json}'`);
  }
  const object = value;

  const sameGroupKind = interpreted.gv.group === expected.group && interpreted.kind === expected.kind;
  const sameGVK = sameGroupKind && interpreted.gv.version === expected.version;
  const dupes = strict ? duplicates : [];
  const unknown = strict && sameGVK && options.schemaName && options.catalogue
    ? unknownFields(object, options.schemaName, options.catalogue) : [];
  // An unstructured decode reports the kind and version found in the data, not the defaulted ones.
  const warnings = strictDecodingOutcome(interpreted.kind, interpreted.gv.version, unknown, dupes, mode, expected.kind,
    strict && yamlStrictError ? [yamlStrictError] : []);

  const expectedGV = gvString(expected);
  if (gvString(interpreted.gv) !== expectedGV) {
    throw badRequest(`the API version in the data (${gvString(interpreted.gv)}) does not match the expected API version (${expectedGV})`);
  }
  if (interpreted.kind !== expected.kind) {
    const meta = isPlainObject(object.metadata) ? object.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : '';
    throw invalid(expected.kind, expected.group, name, [fieldError.invalid('kind', interpreted.kind, `must be ${expected.kind}`)]);
  }
  if (options.schemaName && options.catalogue) assertGoTypes(object, expected, options.schemaName, options.catalogue);
  return { object, warnings, duplicates: dupes, unknown };
}

/**
 * The object as decoding into the kind's Go struct leaves it (fields of the wrong type are a 400 worded as
 * transformDecodeError words it, nulls are zero values). Also for a patch's result, which upstream decodes
 * into the struct the same way.
 */
export function assertGoTypes(object: Record<string, unknown>, expected: Pick<GroupVersionKind, 'version' | 'kind'>, schemaName: string, catalogue: Catalogue): void {
  try {
    checkGoTypes(object, schemaName, expected.kind, catalogue);
  } catch (err) {
    throw badRequest(`${expected.kind} in version "${expected.version}" cannot be handled as a ${expected.kind}: ${(err as Error).message}`);
  }
}
