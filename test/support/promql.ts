// What a PromQL expression refers to, for the tests that check the dashboard, the docs' example queries and the
// PrometheusRule against the metrics the server registers. Not a parser: string literals, label matchers, ranges
// and label lists are blanked out, and what remains is names and calls, which is all these checks need.

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'atan2']);
const PROMQL_FUNCTIONS = new Set([
  // aggregations
  'sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  // functions
  'abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week',
  'delta', 'deriv', 'exp', 'floor', 'histogram_quantile', 'hour', 'idelta', 'increase', 'irate', 'label_join',
  'label_replace', 'ln', 'log2', 'log10', 'minute', 'month', 'predict_linear', 'rate', 'resets', 'round', 'scalar',
  'sgn', 'sort', 'sort_desc', 'sqrt', 'time', 'timestamp', 'vector', 'year', 'avg_over_time', 'min_over_time',
  'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time', 'stddev_over_time', 'stdvar_over_time',
  'last_over_time', 'present_over_time',
]);

const STRING_LITERALS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
const LABEL_LISTS = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

/** Metric names in a PromQL expression; throws on a function PromQL does not have (a typo hides a panel). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(STRING_LITERALS, ' ') // string literals (label values)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries ($__rate_interval)
    .replace(LABEL_LISTS, ' '); // label lists
  const names: string[] = [];
  for (const m of bare.matchAll(/\$?[A-Za-z_:][A-Za-z0-9_:]*|\d[\w.]*/g)) {
    const token = m[0];
    if (token.startsWith('$') || /^\d/.test(token)) continue; // Grafana variables, numbers (1e9, 0.99)
    if (PROMQL_KEYWORDS.has(token) || token === 'inf' || token === 'nan') continue;
    const isCall = /^\s*\(/.test(bare.slice(m.index + token.length));
    if (isCall) {
      if (!PROMQL_FUNCTIONS.has(token)) throw new Error(`unknown PromQL function ${token}( in ${expr}`);
      continue;
    }
    names.push(token);
  }
  return names;
}

/** Each series selector's metric name and the label names its matchers use (`up{job="x"}` -> up, [job]). */
export function selectorLabels(expr: string): Array<{ metric: string; labels: string[] }> {
  // Label values may hold braces or commas: blank the strings first, matchers keep their names and operators.
  const bare = expr.replace(STRING_LITERALS, '""');
  return [...bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    metric: m[1]!,
    labels: [...m[2]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
}

/** The label names of by(), without(), on(), ignoring() and group_left/right() clauses. */
export function groupingLabels(expr: string): string[] {
  const bare = expr.replace(STRING_LITERALS, '""');
  return [...bare.matchAll(LABEL_LISTS)].flatMap((m) => m[2]!.split(',').map((l) => l.trim()).filter((l) => l !== ''));
}
