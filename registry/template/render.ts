/**
 * Rendering a Template for a TemplateInstance, as Kiosk's TemplateInstance controller does it
 * (pkg/manager/controllers/templateinstance_controller.go): parameter validation, manifest conversion,
 * parameter substitution in manifests and in Helm values. Pure: the caller supplies the namespace and the
 * owning account it read, and maps, owns and applies the objects.
 *
 * Failures throw a RenderError whose reason and message are what Kiosk writes to the instance's status.
 *
 * Everything here takes data a tenant or an admin wrote: keys are own data (`__proto__` is a key like any
 * other, see plain-data.ts), walks are loops (a manifest nesting 10,000 levels is refused, not a stack
 * overflow), scans are linear, and regexps run off the event loop (go-regexp-worker.ts).
 */
import { ACCOUNT_LABEL } from '../account/types.js';
import { GoRegexpError, GoRegexpValueTooLongError } from '../../storage/apimachinery/go-regexp/go-regexp.js';
import { GoRegexpUndecidedError, type MatchGoRegexp } from '../../storage/apimachinery/go-regexp/worker.js';
import { parseString, walkStrings, type ReplaceVarFn } from './parameters.js';
import { cloneJson, getOwn, isPlainObject, MAX_NESTING_DEPTH, nestsDeeperThan } from './plain-data.js';
import type { HelmConfiguration, Template, TemplateFailureReason, TemplateInstance } from './types.js';
import { goJson, goJsonTypeName, jsonToYaml, yamlToJson } from '../../storage/apimachinery/yaml.js';

/** A rendering failure, carrying the TemplateInstance status reason and message. */
export class RenderError extends Error {
  constructor(readonly reason: TemplateFailureReason, message: string) {
    super(message);
    this.name = 'RenderError';
  }

  /** The TemplateInstance status Kiosk writes for this failure. */
  toStatus(): { status: 'Failed'; reason: TemplateFailureReason; message: string } {
    return { status: 'Failed', reason: this.reason, message: this.message };
  }
}

/** The TemplateNotFound message. */
export const templateNotFoundMessage = (template: string) => `The specified template '${template}' couldn't be found.`;

/** What a Space create reports when one of the account's mandatory TemplateInstances failed. */
export const templateInstanceFailedMessage = (name: string, reason: string, message: string) =>
  `TemplateInstance '${name}' failed with ${reason}: ${message}`;

export interface MetadataView {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** What the predefined parameters read. */
export interface RenderContext {
  /** The instance's Namespace as stored (its kiosk.sh/account label names the owning account). */
  namespace: { metadata: MetadataView };
  /** The Account that label names, if it exists. */
  account?: { metadata: MetadataView } | undefined;
  /** The owning account's name; by default the namespace's kiosk.sh/account label. */
  accountName?: string | undefined;
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The most of a value, pattern or manifest a message repeats: Kiosk repeats them whole, but a status
 * holding a 1 MiB value twice no longer fits in etcd, and the Failed status would never be written.
 */
export const MAX_ECHO_LENGTH = 1024;
const echo = (text: string) =>
  (text.length <= MAX_ECHO_LENGTH ? text : `${text.slice(0, MAX_ECHO_LENGTH)}... (${text.length - MAX_ECHO_LENGTH} more characters)`);

/** Kiosk reads maps through Go, where an empty map is omitted on the wire and comes back nil. */
const isEmptyMap = (m: Record<string, string> | undefined | null): m is undefined | null =>
  m === undefined || m === null || Object.keys(m).length === 0;

// ---------------------------------------------------------------------------------------------------------
// Parameter validation.
// ---------------------------------------------------------------------------------------------------------

/**
 * Kiosk's validateParameters, in its order: for each declared parameter that is required or has a
 * validation pattern, every instance value of that name must match the pattern (Go regexp, unanchored) and
 * a required one must be given at all (an empty value counts as given); then every named instance
 * parameter must be declared. Defaults are not validated. Rejects with ErrorValidatingParameters; a
 * pattern that cannot be decided on a value in time (or a value over the size limit) fails the same way.
 * Any other rejection of `match` (the matcher stopped or busy) passes through: nothing was decided.
 */
export async function validateParameters(template: Template, instance: TemplateInstance, match: MatchGoRegexp): Promise<void> {
  const fail = (message: string) => new RenderError('ErrorValidatingParameters', message);
  const given = instance.spec.parameters ?? [];
  const declared = template.parameters ?? [];
  for (const parameter of declared) {
    const name = parameter.name ?? '';
    if (name === '' || (!parameter.required && !parameter.validation)) continue;
    let found = false;
    for (const p of given) {
      if ((p.name ?? '') !== name) continue;
      found = true;
      if (!parameter.validation) continue;
      const value = p.value ?? '';
      let matched: boolean;
      try {
        matched = await match(parameter.validation, value);
      } catch (err) {
        if (err instanceof GoRegexpError) throw fail(`match string: ${new GoRegexpError(err.code, echo(err.expr)).message}`);
        if (err instanceof GoRegexpValueTooLongError) throw fail(`parameter ${name} cannot be validated: ${err.message}`);
        if (err instanceof GoRegexpUndecidedError) {
          throw fail(`match string: validation pattern ${echo(parameter.validation)} on the ${value.length}-character value of parameter ${name}: ${err.message}`);
        }
        throw err;
      }
      if (!matched) throw fail(`parameter ${name} value ${echo(value)} does not match validation pattern ${echo(parameter.validation)}`);
    }
    if (!found && parameter.required) throw fail(`parameter ${name} is required but was not found in template instance`);
  }
  for (const p of given) {
    const name = p.name ?? '';
    if (name === '' || declared.some((d) => (d.name ?? '') === name)) continue;
    throw fail(`parameter ${name} does not exist in template ${template.metadata.name ?? ''}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Variable resolution.
// ---------------------------------------------------------------------------------------------------------

const NS_ANNOTATIONS = 'namespace.metadata.annotations.';
const NS_LABELS = 'namespace.metadata.labels.';
const ACCOUNT_ANNOTATIONS = 'account.metadata.annotations.';
const ACCOUNT_LABELS = 'account.metadata.labels.';

/**
 * resolvePredefinedVariable: NAMESPACE, ACCOUNT and the namespace's or account's labels and annotations,
 * matched case-insensitively (the label or annotation key itself is matched exactly). Undefined when the
 * name is not predefined; throws (with Kiosk's message) when it is but cannot be resolved.
 */
export function resolvePredefined(name: string, instance: TemplateInstance, context: RenderContext): string | undefined {
  const lower = name.toLowerCase();
  const ns = context.namespace.metadata;
  const nsName = ns.name ?? instance.metadata.namespace ?? '';
  if (lower === 'namespace') return instance.metadata.namespace ?? nsName;

  const isNsAnnotation = lower.startsWith(NS_ANNOTATIONS);
  if (isNsAnnotation || lower.startsWith(NS_LABELS)) {
    const map = isNsAnnotation ? ns.annotations : ns.labels;
    if (isEmptyMap(map)) {
      throw new Error(`namespace ${nsName} has no ${isNsAnnotation ? 'annotations' : 'labels'}, however \${${name}} parameter is used`);
    }
    const key = name.slice((isNsAnnotation ? NS_ANNOTATIONS : NS_LABELS).length);
    if (!Object.hasOwn(map, key)) throw new Error(`${key} not found on namespace ${nsName}, however \${${name}} parameter is used`);
    return map[key];
  }

  const isAccountAnnotation = lower.startsWith(ACCOUNT_ANNOTATIONS);
  const isAccountLabel = lower.startsWith(ACCOUNT_LABELS);
  if (lower !== 'account' && !isAccountAnnotation && !isAccountLabel) return undefined;
  const accountName = context.accountName || ns.labels?.[ACCOUNT_LABEL] || '';
  if (accountName === '') throw new Error(`space is not owned by an account, however \${${name}} parameter is used`);
  if (lower === 'account') return accountName;
  const account = context.account && (context.account.metadata.name ?? accountName) === accountName ? context.account.metadata : undefined;
  if (!account) {
    throw new Error(`account ${accountName} that owns namespace ${nsName} does not exist, however \${${name}} parameter is used`);
  }
  const map = isAccountAnnotation ? account.annotations : account.labels;
  if (isEmptyMap(map)) {
    throw new Error(`account ${accountName} has no ${isAccountAnnotation ? 'annotations' : 'labels'}, however \${${name}} parameter is used`);
  }
  const key = name.slice((isAccountAnnotation ? ACCOUNT_ANNOTATIONS : ACCOUNT_LABELS).length);
  if (!Object.hasOwn(map, key)) throw new Error(`${key} not found on account ${accountName}, however \${${name}} parameter is used`);
  return map[key];
}

/**
 * The lookup behind every `${X}`: predefined parameters, then the instance's parameters, then the
 * Template's declared ones (a declared parameter without a default is ''), else `${X}` is left as it is.
 */
function variableResolver(template: Template, instance: TemplateInstance, context: RenderContext): ReplaceVarFn {
  return (name) => {
    const predefined = resolvePredefined(name, instance, context);
    if (predefined !== undefined) return predefined;
    const given = instance.spec.parameters?.find((p) => (p.name ?? '') === name);
    if (given) return given.value ?? '';
    const declared = template.parameters?.find((p) => (p.name ?? '') === name);
    if (declared) return declared.value ?? '';
    return `\${${name}}`;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Manifests.
// ---------------------------------------------------------------------------------------------------------

const tooDeep = `nested more than ${MAX_NESTING_DEPTH} levels deep`;

/**
 * convert.StringToUnstructuredArray over one embedded manifest: a null or empty object yields nothing, an
 * object without a (string) kind, or anything but an object, fails ErrorConvertingManifest, and so does one
 * nested deeper than MAX_NESTING_DEPTH (before anything recursive reads it). Deep copy.
 */
export function convertManifest(manifest: unknown): Array<Record<string, unknown>> {
  if (manifest === null || manifest === undefined) return [];
  const prefix = 'Failed to unmarshal manifest: error unmarshaling JSON: ';
  if (nestsDeeperThan(manifest, MAX_NESTING_DEPTH)) throw new RenderError('ErrorConvertingManifest', `Error converting manifest: ${prefix}${tooDeep}`);
  const fail = (detail: string) => new RenderError('ErrorConvertingManifest', `Error converting manifest ${echo(goJson(manifest))}: ${prefix}${detail}`);
  if (!isPlainObject(manifest)) {
    throw fail(`json: cannot unmarshal ${goJsonTypeName(manifest)} into Go value of type map[string]interface {}`);
  }
  if (Object.keys(manifest).length === 0) return [];
  const kind = getOwn(manifest, 'kind');
  if (typeof kind !== 'string' || kind === '') throw fail(`Object 'Kind' is missing in '${echo(goJson(manifest))}'`);
  return [cloneJson(manifest)];
}

/**
 * The Template's manifests, converted and with parameters substituted in every string value (never in
 * keys), in order. Does not validate parameters (see validateParameters, or renderTemplate for both) and
 * does not set namespaces (see forceNamespace). Throws ErrorConvertingManifest or ErrorReplaceParameters.
 */
export function renderManifests(template: Template, instance: TemplateInstance, context: RenderContext): Array<Record<string, unknown>> {
  const resolve = variableResolver(template, instance, context);
  const objects: Array<Record<string, unknown>> = [];
  for (const manifest of template.resources?.manifests ?? []) {
    const converted = convertManifest(manifest);
    for (const obj of converted) {
      try {
        walkStrings(obj, (value) => parseString(value, resolve));
        // A `${{X}}` value may have brought nesting of its own.
        if (nestsDeeperThan(obj, MAX_NESTING_DEPTH)) throw new Error(`the rendered manifest is ${tooDeep}`);
      } catch (err) {
        throw new RenderError('ErrorReplaceParameters', `Error replacing parameters in manifest: replace parameters: ${errorMessage(err)}`);
      }
    }
    objects.push(...converted);
  }
  return objects;
}

/**
 * Unstructured.SetNamespace: sets metadata.namespace (creating metadata if absent), or removes it for an
 * empty namespace; a metadata that is not an object is left alone. Mutates and returns `obj`.
 */
export function forceNamespace<T extends Record<string, unknown>>(obj: T, namespace: string): T {
  const target = obj as Record<string, unknown>;
  const metadata = getOwn(target, 'metadata');
  if (metadata === undefined) {
    if (namespace !== '') target.metadata = { namespace };
  } else if (isPlainObject(metadata)) {
    if (namespace !== '') metadata.namespace = namespace;
    else delete metadata.namespace;
  }
  return obj;
}

// ---------------------------------------------------------------------------------------------------------
// Helm values.
// ---------------------------------------------------------------------------------------------------------

/**
 * replaceHelmValuesParameters: `resources.helm.values` parsed as YAML (YAML 1.1, as Go reads it), with
 * parameters substituted in every string value, written back as YAML (keys sorted). '' stays ''. Throws
 * ErrorReplaceParameters (`Error replacing parameters in helm values: ...`).
 */
export function substituteInValues(valuesYaml: string, template: Template, instance: TemplateInstance, context: RenderContext): string {
  if (valuesYaml === '') return valuesYaml;
  const fail = (detail: string) => new RenderError('ErrorReplaceParameters', `Error replacing parameters in helm values: ${detail}`);
  let values: unknown;
  try {
    values = yamlToJson(valuesYaml);
  } catch (err) {
    throw fail(`unmarshal helm values: ${errorMessage(err)}`);
  }
  if (values !== null && !isPlainObject(values)) {
    throw fail(`unmarshal helm values: error unmarshaling JSON: json: cannot unmarshal ${goJsonTypeName(values)} into Go value of type map[string]interface {}`);
  }
  const resolve = variableResolver(template, instance, context);
  try {
    walkStrings(values, (value) => parseString(value, resolve));
    if (nestsDeeperThan(values, MAX_NESTING_DEPTH)) throw new Error(`the values are ${tooDeep}`);
  } catch (err) {
    throw fail(`replace parameters: ${errorMessage(err)}`);
  }
  return jsonToYaml(values);
}

// ---------------------------------------------------------------------------------------------------------
// All of it.
// ---------------------------------------------------------------------------------------------------------

export interface RenderedTemplate {
  /** The rendered manifests (namespaces not yet forced). */
  objects: Array<Record<string, unknown>>;
  /** A copy of resources.helm with its values substituted, for `helm template`; absent without Helm. */
  helm?: HelmConfiguration;
}

/** Kiosk's deploy() up to `helm template`, in its order: validate, manifests, Helm values. */
export async function renderTemplate(template: Template, instance: TemplateInstance, context: RenderContext, match: MatchGoRegexp): Promise<RenderedTemplate> {
  await validateParameters(template, instance, match);
  const objects = renderManifests(template, instance, context);
  const source = template.resources?.helm;
  if (!source) return { objects };
  const helm = cloneJson(source);
  if (helm.values !== undefined) helm.values = substituteInValues(helm.values, template, instance, context);
  return { objects, helm };
}
