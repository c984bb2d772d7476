/**
 * The body of GoRegexpWorker's thread: answers `{ id, pattern, value }` with whether the Go regexp matches,
 * or why it could not say (after a first `'ready'`). Only ever loaded as a worker (go-regexp-worker.ts); importing it elsewhere does
 * nothing.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { GoRegexpError, GoRegexpValueTooLongError, matchesGoRegexp } from './go-regexp.js';

/** What the thread is asked. */
export interface MatchRequest {
  id: number;
  pattern: string;
  value: string;
}

/** What it answers: a result, Go's parse error, a value over the limit, or anything else that went wrong. */
export type MatchReply =
  | { id: number; matched: boolean }
  | { id: number; code: string; expr: string }
  | { id: number; tooLong: number }
  | { id: number; failure: string };

function answer(request: MatchRequest): MatchReply {
  try {
    return { id: request.id, matched: matchesGoRegexp(request.pattern, request.value) };
  } catch (err) {
    if (err instanceof GoRegexpError) return { id: request.id, code: err.code, expr: err.expr };
    if (err instanceof GoRegexpValueTooLongError) return { id: request.id, tooLong: err.length };
    return { id: request.id, failure: err instanceof Error ? err.message : String(err) };
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (request: MatchRequest) => port.postMessage(answer(request)));
  // GoRegexpWorker starts its deadlines from here: loading this thread is not the pattern's cost.
  port.postMessage('ready');
}
