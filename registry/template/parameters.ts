/**
 * Kiosk's parameter language (pkg/util/parameters): `${NAME}` anywhere in a string, `${{NAME}}` as a whole
 * value parsed as YAML (so numbers, booleans, lists and maps come out typed), `$${NAME}` for a literal
 * `${NAME}` (each extra `$` escapes one), and a walk that substitutes in string values only, never in keys.
 */
import { isContainer, setOwn, type Container } from './plain-data.js';
import { yamlToJson } from '../../storage/apimachinery/yaml.js';

/** Returns the text for a variable name (the part between the braces); throws to abort. */
export type ReplaceVarFn = (name: string) => string;

/**
 * ExpressionVarMatchRegex `^\$\{\{[^}]+\}\}$`: the whole value is `${{...}}` with no `}` inside.
 * Checked by hand, like VarMatchRegex below.
 */
function isExpression(value: string): boolean {
  return value.length > 5 && value.startsWith('${{') && value.endsWith('}}') && value.indexOf('}', 3) === value.length - 2;
}

/**
 * Every match of Kiosk's VarMatchRegex `\$+?\{[^}]+\}` (a run of `$`, `{`, at least one character that is
 * not `}`, then `}`), leftmost first, replaced by `substitute(match)`. A scan, not that regex: a
 * backtracking engine tries it from every `$` of a long run, or every `${` without a `}`, to the end of
 * the string, which is quadratic (50,000 `$` took seconds).
 */
function replaceVariables(value: string, substitute: (match: string) => string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const open = value.indexOf('{', from);
    if (open < 0) break;
    from = open + 1;
    if (open === 0 || value[open - 1] !== '$') continue;
    const close = value.indexOf('}', open + 1);
    if (close < 0) break; // No `}` after this `{`, so none after any later one either.
    if (close === open + 1) continue; // `${}`: the braces must hold something.
    let start = open - 1;
    while (start > copied && value[start - 1] === '$') start--;
    out += value.slice(copied, start) + substitute(value.slice(start, close + 1));
    copied = close + 1;
    from = copied;
  }
  return copied === 0 ? value : out + value.slice(copied);
}

/**
 * ParseString. An expression value becomes whatever its replaced text parses to as YAML (errors read
 * `error converting YAML to JSON: ...`); any other string comes back a string, with each `${X}` replaced
 * and each `$${X}` losing one `$` without replacement.
 */
export function parseString(value: string, replace: ReplaceVarFn): unknown {
  if (isExpression(value)) return yamlToJson(replace(value.slice(3, -2)));
  return replaceVariables(value, (match) => (match.startsWith('$$') ? match.slice(1) : replace(match.slice(2, -1))));
}

/**
 * WalkStringMap: replaces, in place, every string value of every map and list reachable from `node`.
 * A replacement is not walked again; keys are left alone. Values are visited in document order, depth
 * first, as Go's recursive walk visits lists; the walk keeps its own stack, so nesting costs no call stack.
 */
export function walkStrings(node: unknown, replace: (value: string) => unknown): void {
  if (!isContainer(node)) return;
  const stack: Array<{ node: Container; keys: string[]; next: number }> = [{ node, keys: Object.keys(node), next: 0 }];
  for (let frame = stack.at(-1); frame; frame = stack.at(-1)) {
    const key = frame.keys[frame.next++];
    if (key === undefined) {
      stack.pop();
      continue;
    }
    const container = frame.node as Record<string, unknown>;
    const value = container[key];
    if (typeof value === 'string') setOwn(container, key, replace(value));
    else if (isContainer(value)) stack.push({ node: value, keys: Object.keys(value), next: 0 });
  }
}
