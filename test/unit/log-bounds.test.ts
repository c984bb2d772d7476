// A request may carry up to 1 MiB of request line and headers; no log line it causes may carry more than
// a bounded share of that.
import { loggedUri, MAX_LOGGED_URI_CHARS } from '../../apiserver/chain/instrumentation.js';
import { createLogger, MAX_LOG_VALUE_CHARS, truncate } from '../../storage/logger.js';

describe('bounded log lines', () => {
  it('cuts long string values and says how much was left out', () => {
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    log.info('HTTP', { uri: 'u'.repeat(200_000), user: 'dev', code: 404 });
    log.error('request failed', new Error(`cannot get path "${'p'.repeat(500_000)}"`), { verb: 'GET' });
    expect(lines.every((l) => l.length < 3 * MAX_LOG_VALUE_CHARS)).toBe(true);
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
