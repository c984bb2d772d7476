import { KubeApiError } from './kube-api-error.js';

/**
 * Structured logs in Kubernetes' JSON format (component-base/logs/json): one object per line with
 * `ts` (seconds), `v` (verbosity), `msg`, then camelCase keys; errors go under `err` (the message), with
 * `errStack`, `errCause` and, for kube-apiserver's answers, `errCode` and `errReason` beside it.
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

/**
 * The longest stack a log line carries. Longer than a value: ten frames (V8's default) of a deep module
 * path run past MAX_LOG_VALUE_CHARS, and a stack cut before the frame that threw explains nothing.
 */
export const MAX_LOG_STACK_CHARS = 4 * MAX_LOG_VALUE_CHARS;

/** How many causes (Error.cause) of an error are logged; a chain may be long, or even a cycle. */
export const MAX_LOG_CAUSES = 5;

/** One cause of the chain: `Name: message`, with kube-apiserver's code and reason when it answered. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return truncate(String(cause), MAX_LOG_VALUE_CHARS);
  const status = cause instanceof KubeApiError ? ` (${String(cause.statusCode)}${cause.reason ? ` ${cause.reason}` : ''})` : '';
  return truncate(`${cause.name}: ${cause.message}`, MAX_LOG_VALUE_CHARS) + status;
}

/**
 * The fields an error is logged with. The stack's first line repeats the message, which `err` already
 * carries (possibly a long one, quoting a request): only the frames are kept.
 */
export function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { err: String(err) };
  const out: Record<string, unknown> = { err: err.message };
  if (err instanceof KubeApiError) {
    out.errCode = err.statusCode;
    if (err.reason) out.errReason = err.reason;
  }
  if (typeof err.stack === 'string') {
    const header = `${err.name}: ${err.message}\n`;
    // A message changed after the throw no longer matches the header: cut at the first frame instead.
    const firstFrame = err.stack.indexOf('\n    at ');
    const frames = err.stack.startsWith(header) ? err.stack.slice(header.length) : firstFrame >= 0 ? err.stack.slice(firstFrame + 1) : err.stack;
    out.errStack = frames; // bounded with the line's other values (bounded())
  }
  const causes: string[] = [];
  let cause: unknown = err.cause;
  while (cause !== undefined && causes.length < MAX_LOG_CAUSES) {
    causes.push(describeCause(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (cause !== undefined) causes.push('...[more causes]');
  if (causes.length > 0) out.errCause = causes;
  return out;
}

function bounded(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // errStack has its own, larger bound; errCause's entries are bounded one by one (errorFields).
  for (const [k, v] of Object.entries(fields)) {
    out[k] = typeof v === 'string' ? truncate(v, k === 'errStack' ? MAX_LOG_STACK_CHARS : MAX_LOG_VALUE_CHARS) : v;
  }
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
    error: (msg, err, fields) => emit(0, msg, { ...fields, ...errorFields(err) }),
    v: (level) => (level <= verbosity ? { info: (msg, fields) => emit(level, msg, fields) } : noop),
    with: (fields) => createLogger(write, verbosity, { ...base, ...fields }),
  };
}

/** For tests and library use: drops everything. */
export const silentLogger: Logger = createLogger(() => undefined);
