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

export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l), verbosity = 0,
  base: Record<string, unknown> = {}): Logger {
  const emit = (v: number, msg: string, fields: Record<string, unknown> | undefined) => {
    write(JSON.stringify({ ts: Date.now() / 1000, v, msg, ...base, ...fields }) + '\n');
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
