/**
 * field.Error and field.ErrorList as k8s.io/apimachinery/pkg/util/validation/field prints them (errors.go), and
 * utilerrors.Aggregate: the causes of a 422 Invalid and the messages selectors echo back to kubectl.
 */
import { goQuote } from './go-quote.js';

/**
 * field.Invalid(path, value, detail).Error(): strings are `%q`-quoted, anything else is JSON, as
 * field.Error.ErrorBody prints it. A nil *field.Path prints as `<nil>`, which selector messages show.
 */
export function fieldInvalid(path: string, value: unknown, detail: string): string {
  const shown = typeof value === 'string' ? goQuote(value) : JSON.stringify(value === undefined ? null : value);
  return `${path}: Invalid value: ${shown}${detail ? `: ${detail}` : ''}`;
}

/** utilerrors.Aggregate.Error() over field.ErrorList.ToAggregate(): de-duplicated, `[a, b]` when more than one. */
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}
/** field.ErrorType: the `reason` of a StatusCause. */
export type FieldErrorType = 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueForbidden'
  | 'FieldValueDuplicate' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueNotFound' | 'FieldValueTypeInvalid' | 'InternalError';

/**
 * One field.Error: `detail` is ErrorBody() (the type string, the value and the detail, without the field), the
 * shape `invalid()` in registry/errors.ts turns into causes and the `<field>: <detail>` summary.
 */
export interface FieldError {
  field: string;
  type: FieldErrorType;
  detail: string;
}

/**
 * How field.Error.ErrorBody prints a bad value: strings `%q`, numbers and booleans plain, nil as `null`, and
 * anything else (slices, maps, structs) as JSON, so a []string prints as `["x"]`.
 */
export function goValue(value: unknown): string {
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value === undefined ? null : value);
}

const withDetail = (body: string, detail: string) => (detail ? `${body}: ${detail}` : body);

/** Constructors named like k8s.io/apimachinery/pkg/util/validation/field's. */
export const fieldError = {
  required: (field: string, detail: string): FieldError => ({ field, type: 'FieldValueRequired', detail: withDetail('Required value', detail) }),
  forbidden: (field: string, detail: string): FieldError => ({ field, type: 'FieldValueForbidden', detail: withDetail('Forbidden', detail) }),
  invalid: (field: string, value: unknown, detail: string): FieldError =>
    ({ field, type: 'FieldValueInvalid', detail: withDetail(`Invalid value: ${goValue(value)}`, detail) }),
  duplicate: (field: string, value: unknown): FieldError => ({ field, type: 'FieldValueDuplicate', detail: `Duplicate value: ${goValue(value)}` }),
  notFound: (field: string, value: unknown): FieldError => ({ field, type: 'FieldValueNotFound', detail: `Not found: ${goValue(value)}` }),
  /** The supported values are `%q`-quoted and joined with `, `, in the order given. */
  notSupported: (field: string, value: unknown, supported: string[]): FieldError => ({
    field, type: 'FieldValueNotSupported',
    detail: withDetail(`Unsupported value: ${goValue(value)}`, supported.length ? `supported values: ${supported.map(goQuote).join(', ')}` : ''),
  }),
  /** The value is never printed; a negative maximum prints as `value is too long`. */
  tooLong: (field: string, maxBytes: number): FieldError => ({
    field, type: 'FieldValueTooLong',
    detail: `Too long: ${maxBytes >= 0 ? `may not be more than ${String(maxBytes)} ${maxBytes === 1 ? 'byte' : 'bytes'}` : 'value is too long'}`,
  }),
  internal: (field: string, detail: string): FieldError => ({ field, type: 'InternalError', detail: `Internal error: ${detail}` }),
};

/** field.Error.Error(): `<field>: <body>`. */
export const fieldErrorString = (e: FieldError): string => `${e.field}: ${e.detail}`;

/** field.ErrorList.ToAggregate()'s de-duplication (by the whole `<field>: <body>` text), keeping the first. */
export function uniqueFieldErrors(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = fieldErrorString(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
