/**
 * Structured logs in Kubernetes' JSON format (component-base/logs/json): one object per line with
 * `ts` (seconds), `v` (verbosity), `msg`, then camelCase keys; errors go under `err`.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, err: unknown, fields?: Record<string, unknown>): void;
  /** Debug detail, written only when the verbosity is at least `level`. */
  v(level: number): { info(msg: string, fields?: Record<string, unknown>): void };
  with(fields: Record<string, unknown>): Logger;
}

/**
 * The longest string value a log line carries. Values often come from requests (a path, a name, an
 * error quoting either) and a request may be up to 1 MiB of headers: without a bound one request could
 * write a megabyte of log, and a few thousand of them fill a node's disk.
 */
export const MAX_LOG_VALUE_CHARS = 1024;

/** `s` cut to `max` characters, saying how much was left out (so a reader knows the value was longer). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}...[${s.length - max} more characters]`;
}

function bounded(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = typeof v === 'string' ? truncate(v, MAX_LOG_VALUE_CHARS) : v;
  return out;
}

export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l), verbosity = 0,
  base: Record<string, unknown> = {}): Logger {
  const emit = (v: number, msg: string, fields: Record<string, unknown> | undefined) => {
    write(JSON.stringify(bounded({ ts: Date.now() / 1000, v, msg, ...base, ...fields })) + '\n');
  };
  const noop = { info: () => undefined };
  return {
    info: (msg, fields) => emit(0, msg, fields),
    error: (msg, err, fields) => emit(0, msg, { ...fields, err: err instanceof Error ? err.message : String(err) }),
    v: (level) => (level <= verbosity ? { info: (msg, fields) => emit(level, msg, fields) } : noop),
    with: (fields) => createLogger(write, verbosity, { ...base, ...fields }),
  };
}

/** For tests and library use: drops everything. */
export const silentLogger: Logger = createLogger(() => undefined);
