/**
 * PATCH requests as k8s.io/apiserver's handlers/patch.go takes them: the patch type from the Content-Type, the
 * body decoded under fieldValidation (400 for a malformed document, strict errors worded as upstream's), and the
 * 422 a Strict patch with unknown fields gets. Applying the decoded patch is apply-patch.ts.
 */
import { badRequest, invalid, unsupportedMediaType } from '../../storage/apimachinery/errors.js';
import type { StatusError } from '../../storage/apimachinery/errors.js';
import { fieldError } from '../../storage/apimachinery/field-errors.js';
import type { FieldValidation } from './decode.js';
import { JsonSyntaxError, MAX_JSON_PATCH_ENTRIES, goJsonMarshal, goJsonType, isPlainObject, parseJson } from '../../storage/apimachinery/go-json.js';
import { strictDecodingErrors } from './decode.js';
import { checkOperations } from './apply-patch.js';

/** The patch flavours, by Content-Type. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_MEDIA_TYPES: Readonly<Record<PatchType, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * The patch type of a Content-Type header: parameters (`; charset=utf-8`) are stripped and the comparison
 * ignores case and surrounding blanks. Undefined for anything else (including apply-patch+cbor).
 */
export function patchContentType(header: string | undefined): PatchType | undefined {
  const mediaType = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return (Object.keys(PATCH_MEDIA_TYPES) as PatchType[]).find((t) => PATCH_MEDIA_TYPES[t] === mediaType);
}

/** 415 `the body of the request was in an unknown format - accepted media types include: <accepted, joined by ", ">`. */
export function unsupportedPatchType(accepted: string[]): StatusError {
  return unsupportedMediaType(accepted.join(', '));
}

// ---------------------------------------------------------------------------------------------------------
// Decoding patch bodies, with fieldValidation.
// ---------------------------------------------------------------------------------------------------------

const JSON_PATCH_OP_FIELDS = new Set(['op', 'path', 'from', 'value']);

/** Decoded patch plus the strict decoding errors found in it (already worded; `json patch …` for JSON patches). */
export interface DecodedPatch {
  patch: unknown;
  strictErrors: string[];
}

/**
 * A JSON patch body. Under Strict or Warn it is first decoded strictly into `[]jsonPatchOp` (400
 * `error decoding patch: …` when that fails; unknown and duplicate members of operations become
 * `json patch unknown field "[0].pathz"` errors), then as the library does (400 with the decoder's text).
 */
export function decodeJsonPatch(raw: Buffer | string, mode: FieldValidation): DecodedPatch {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const strict = mode !== 'Ignore';
  let value: unknown;
  let duplicates: string[];
  try {
    ({ value, duplicates } = parseJson(text, MAX_JSON_PATCH_ENTRIES));
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    throw badRequest(strict ? `error decoding patch: ${err.message}` : err.message);
  }
  const strictErrors: string[] = [];
  if (strict) {
    if (value !== null && !Array.isArray(value)) {
      throw badRequest(`error decoding patch: json: cannot unmarshal ${goJsonType(value)} into Go value of type []handlers.jsonPatchOp`);
    }
    const unknown: string[] = [];
    const ops: unknown[] = value ?? [];
    for (const [i, op] of ops.entries()) {
      if (op !== null && !isPlainObject(op)) {
        throw badRequest(`error decoding patch: json: cannot unmarshal ${goJsonType(op)} into Go value of type handlers.jsonPatchOp`);
      }
      for (const [k, v] of Object.entries(op ?? {})) {
        if (!JSON_PATCH_OP_FIELDS.has(k)) unknown.push(`[${String(i)}].${k}`);
        else if (k !== 'value' && v !== null && typeof v !== 'string') {
          throw badRequest(`error decoding patch: json: cannot unmarshal ${goJsonType(v)} into Go struct field jsonPatchOp.${k} of type string`);
        }
      }
    }
    strictErrors.push(...strictDecodingErrors(unknown, duplicates).map((e) => `json patch ${e}`));
  }
  checkOperations(value);
  return { patch: value, strictErrors };
}

/**
 * A JSON merge patch body. Under Strict or Warn it must decode into an object (400 `error decoding patch: …`)
 * and duplicate keys are strict errors; a null patch, or one that is not JSON under Ignore, is 400
 * `Invalid JSON Patch`.
 */
export function decodeMergePatch(raw: Buffer | string, mode: FieldValidation): DecodedPatch {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const strict = mode !== 'Ignore';
  let value: unknown;
  let duplicates: string[];
  try {
    ({ value, duplicates } = parseJson(text));
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    throw badRequest(strict ? `error decoding patch: ${err.message}` : 'Invalid JSON Patch');
  }
  if (strict && value !== null && !isPlainObject(value)) {
    throw badRequest(`error decoding patch: json: cannot unmarshal ${goJsonType(value)} into Go value of type map[string]interface {}`);
  }
  if (value === null || (!isPlainObject(value) && !Array.isArray(value))) throw badRequest('Invalid JSON Patch');
  return { patch: value, strictErrors: strict ? strictDecodingErrors([], duplicates) : [] };
}

/**
 * What strict decoding errors of a patch (and of the patched object) do under Strict: 422
 * ` "" is invalid: patch: Invalid value: "<patched object as JSON>": strict decoding error: …`, as
 * jsonPatcher.applyPatchToCurrentObject words it.
 */
export function patchStrictError(patched: unknown, errors: string[]): StatusError {
  return invalid('', '', '', [fieldError.invalid('patch', goJsonMarshal(patched), `strict decoding error: ${errors.join(', ')}`)]);
}
