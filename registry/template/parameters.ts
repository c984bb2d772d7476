/**
 * Kiosk's parameter language (pkg/util/parameters): `${NAME}` anywhere in a string, `${{NAME}}` as a whole
 * value parsed as YAML (so numbers, booleans, lists and maps come out typed), `$${NAME}` for a literal
 * `${NAME}` (each extra `$` escapes one), and a walk that substitutes in string values only, never in keys.
 */
import { yamlToJson } from './yaml.js';

/** Returns the text for a variable name (the part between the braces); throws to abort. */
export type ReplaceVarFn = (name: string) => string;

/** VarMatchRegex: a run of `$`, then `{`, anything but `}`, then `}`. */
const VAR = /\$+?\{[^}]+\}/g;
/** ExpressionVarMatchRegex: the whole value is `${{...}}`. */
const EXPRESSION = /^\$\{\{[^}]+\}\}$/;

/**
 * ParseString. An expression value becomes whatever its replaced text parses to as YAML (errors read
 * `error converting YAML to JSON: ...`); any other string comes back a string, with each `${X}` replaced
 * and each `$${X}` losing one `$` without replacement.
 */
export function parseString(value: string, replace: ReplaceVarFn): unknown {
  if (EXPRESSION.test(value)) return yamlToJson(replace(value.slice(3, -2)));
  return value.replace(VAR, (match) => (match.startsWith('$$') ? match.slice(1) : replace(match.slice(2, -1))));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * WalkStringMap: replaces, in place, every string value of every map and list reachable from `node`.
 * A replacement is not walked again; keys are left alone.
 */
export function walkStrings(node: unknown, replace: (value: string) => unknown): void {
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      if (typeof v === 'string') node[i] = replace(v);
      else walkStrings(v, replace);
    });
  } else if (isPlainObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (typeof v !== 'string') walkStrings(v, replace);
      else if (k === '__proto__') Object.defineProperty(node, k, { value: replace(v), writable: true, enumerable: true, configurable: true });
      else node[k] = replace(v);
    }
  }
}
