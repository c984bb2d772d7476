// A request may carry up to 1 MiB of request line and headers; no log line it causes may carry more than
// a bounded share of that.
import { loggedUri, MAX_LOGGED_URI_CHARS } from '../../apiserver/chain/instrumentation.js';
import { KubeApiError } from '../../storage/kube-api-error.js';
import { createLogger, MAX_LOG_CAUSES, MAX_LOG_STACK_CHARS, MAX_LOG_VALUE_CHARS, truncate } from '../../storage/logger.js';

interface ErrorLine {
  msg: string;
  err: string;
  errStack?: string;
  errCause?: string[];
  errCode?: number;
  errReason?: string;
}

function loggedError(err: unknown, fields?: Record<string, unknown>): ErrorLine & Record<string, unknown> {
  const lines: string[] = [];
  createLogger((l) => lines.push(l)).error('failed', err, fields);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as ErrorLine & Record<string, unknown>;
}

/** An error thrown `depth` calls deep, so its stack has that many frames of this file. */
function thrownAt(depth: number, message: string): Error {
  const recurse = (n: number): never => {
    if (n === 0) throw new Error(message);
    return recurse(n - 1);
  };
  try {
    return recurse(depth);
  } catch (err) {
    return err as Error;
  }
}

describe('bounded log lines', () => {
  it('cuts long string values and says how much was left out', () => {
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    log.info('HTTP', { uri: 'u'.repeat(200_000), user: 'dev', code: 404 });
    log.error('request failed', new Error(`cannot get path "${'p'.repeat(500_000)}"`), { verb: 'GET' });
    // The request line, the message and the stack's frames (without the message it starts with).
    expect(lines.every((l) => l.length < 3 * MAX_LOG_VALUE_CHARS + MAX_LOG_STACK_CHARS)).toBe(true);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first.uri).toBe(`${'u'.repeat(MAX_LOG_VALUE_CHARS)}...[${200_000 - MAX_LOG_VALUE_CHARS} more characters]`);
    expect(first).toMatchObject({ msg: 'HTTP', user: 'dev', code: 404 });
    expect((JSON.parse(lines[1]!) as { err: string }).err.startsWith('cannot get path "ppp')).toBe(true);
  });

  it('leaves short values alone', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(loggedUri('/apis/tenancy.kiosk.sh/v1alpha1/spaces?watch=true')).toBe('/apis/tenancy.kiosk.sh/v1alpha1/spaces?watch=true');
  });

  it('logs at most MAX_LOGGED_URI_CHARS of a request URI', () => {
    const uri = `/${'x'.repeat(200 * 1024)}`;
    expect(loggedUri(uri)).toBe(`${uri.slice(0, MAX_LOGGED_URI_CHARS)}...[${uri.length - MAX_LOGGED_URI_CHARS} more characters]`);
  });
});

describe('logged errors', () => {
  it('carry the stack\'s frames under errStack, without repeating the message', () => {
    const line = loggedError(new Error('cannot reach kube-apiserver'), { verb: 'GET' });
    expect(line).toMatchObject({ msg: 'failed', err: 'cannot reach kube-apiserver', verb: 'GET' });
    expect(line.errStack).toMatch(/^ {4}at .*log-bounds\.test\./);
    expect(line.errStack).not.toContain('cannot reach kube-apiserver');
    expect(line).not.toHaveProperty('errCause');
  });

  it('bound the stack to MAX_LOG_STACK_CHARS', () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 1000;
    try {
      const err = thrownAt(500, 'deep');
      expect(err.stack!.length).toBeGreaterThan(MAX_LOG_STACK_CHARS);
      const { errStack } = loggedError(err);
      expect(errStack!.slice(0, MAX_LOG_STACK_CHARS)).toBe(err.stack!.slice('Error: deep\n'.length, 'Error: deep\n'.length + MAX_LOG_STACK_CHARS));
      expect(errStack).toMatch(/\.\.\.\[\d+ more characters\]$/);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  it('list the cause chain, each cause with its kind, and kube-apiserver\'s code and reason', () => {
    const conflict = new KubeApiError(409, { kind: 'Status', reason: 'Conflict', code: 409 }, 'the object has been modified');
    const err = new Error('updating account status', { cause: new Error('writing a-1', { cause: conflict }) });
    const line = loggedError(err);
    expect(line.err).toBe('updating account status');
    expect(line.errCause).toEqual(['Error: writing a-1', 'KubeApiError: the object has been modified (409 Conflict)']);
    expect(line).not.toHaveProperty('errCode');
  });

  it('carry the code and reason of a KubeApiError logged itself', () => {
    const line = loggedError(new KubeApiError(503, { reason: 'ServiceUnavailable' }, 'the server is currently unable to handle the request'));
    expect(line).toMatchObject({ err: 'the server is currently unable to handle the request', errCode: 503, errReason: 'ServiceUnavailable' });
    expect(loggedError(new KubeApiError(500, undefined, 'no Status'))).toMatchObject({ errCode: 500 });
    expect(loggedError(new KubeApiError(500, undefined, 'no Status'))).not.toHaveProperty('errReason');
  });

  it('stop after MAX_LOG_CAUSES causes, so a long chain or a cycle ends', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    const line = loggedError(new Error('top', { cause: a }));
    expect(line.errCause).toEqual([...['a', 'b', 'a', 'b', 'a'].map((m) => `Error: ${m}`), '...[more causes]']);
    expect(line.errCause).toHaveLength(MAX_LOG_CAUSES + 1);
  });

  it('bound each cause, and log causes that are not Errors as text', () => {
    const line = loggedError(new Error('top', { cause: 'x'.repeat(100_000) }));
    expect(line.errCause).toEqual([truncate('x'.repeat(100_000), MAX_LOG_VALUE_CHARS)]);
    expect(loggedError(new Error('top', { cause: { code: 'ECONNRESET' } })).errCause).toEqual(['[object Object]']);
  });

  it('log what is thrown that is not an Error as text, with no stack', () => {
    expect(loggedError('plain string')).toEqual(expect.objectContaining({ err: 'plain string' }));
    expect(loggedError('plain string')).not.toHaveProperty('errStack');
  });
});
