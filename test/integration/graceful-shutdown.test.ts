// SIGTERM to a replica: watches end with a BOOKMARK at the current resourceVersion (clients resume on
// another replica from exactly there), then a clean end of the stream; the process exits by itself.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { startExtraServer, SERVER_DNS_NAME } from '../cluster/sandbox.js';
import { frontProxyCredentials, pki, sandboxState } from '../support/sandbox-access.js';

interface WatchEvent { type: string; object: { metadata: { resourceVersion?: string; name?: string } } }

/** A watch straight to one replica; collects its events until the server ends the stream. */
function watch(port: number, path: string): { events: WatchEvent[]; ended: Promise<'end' | 'aborted'>; firstEvent: Promise<void> } {
  const events: WatchEvent[] = [];
  let gotFirst!: () => void;
  const firstEvent = new Promise<void>((r) => (gotFirst = r));
  const ended = new Promise<'end' | 'aborted'>((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, ca: readFileSync(pki().extensionCaCert), servername: SERVER_DNS_NAME, agent: false,
      headers: { 'X-Remote-User': 'kubernetes-admin', 'X-Remote-Group': 'system:masters' }, ...frontProxyCredentials(),
    }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          events.push(JSON.parse(buffer.slice(0, nl)) as WatchEvent);
          buffer = buffer.slice(nl + 1);
          gotFirst();
        }
      });
      res.on('end', () => resolve('end'));
      res.on('aborted', () => resolve('aborted'));
    });
    req.on('error', reject);
    req.end();
  });
  return { events, ended, firstEvent };
}

describe('graceful shutdown of a replica', () => {
  it('ends each watch with a bookmark at the current resourceVersion, then exits', async () => {
    const replica = await startExtraServer(sandboxState());
    let stopped = false;
    try {
      const withBookmarks = watch(replica.port, '/apis/tenancy.kiosk.sh/v1alpha1/spaces?watch=true&allowWatchBookmarks=true');
      const without = watch(replica.port, '/apis/tenancy.kiosk.sh/v1alpha1/spaces?watch=true');
      // The watches have started once their initial ADDED events arrived (the admin sees every namespace
      // as a space, kube-system included, so there always are some).
      await Promise.all([withBookmarks.firstEvent, without.firstEvent]);
      const lastSeen = Math.max(...withBookmarks.events.map((e) => Number(e.object.metadata.resourceVersion)));
      const started = Date.now();
      await replica.stop();
      stopped = true;
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await withBookmarks.ended).toBe('end');
      expect(await without.ended).toBe('end');
      const final = withBookmarks.events.at(-1)!;
      expect(final.type).toBe('BOOKMARK');
      expect(Number(final.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(lastSeen);
      // A watch that did not ask for bookmarks gets none; its stream just ends.
      expect(without.events.some((e) => e.type === 'BOOKMARK')).toBe(false);
      expect(without.events.length).toBeGreaterThan(0);
    } finally {
      if (!stopped) await replica.stop();
    }
  }, 90_000);
});
