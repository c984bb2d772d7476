// buildServer() builds the whole graph and starts nothing: no timer, socket, watch, Lease or request
// until start(). A server that was never started stops without doing anything.
import { createHook } from 'node:async_hooks';
import { buildServer } from '../../apiserver/build-server.js';
import { defaultOptions } from '../../apiserver/options.js';
import type { RequestParams, WatchEvent } from '../../storage/client.js';
import { KubeClient } from '../../storage/client.js';
import { nowhere } from '../support/nowhere-credentials.js';
import { silentLogger } from '../../storage/logger.js';

/** A client that records every call and answers none: the graph must not make any before start(). */
class RecordingClient extends KubeClient {
  readonly calls: string[] = [];
  constructor() {
    super(nowhere);
  }
  override request<T>(method: string, path: string, _params?: RequestParams): Promise<T> {
    this.calls.push(`${method} ${path}`);
    return Promise.reject(new Error('no cluster in this test'));
  }
  override watch<T>(path: string, _query: RequestParams['query'], _onEvent: (event: WatchEvent<T>) => void): Promise<void> {
    this.calls.push(`WATCH ${path}`);
    return Promise.reject(new Error('no cluster in this test'));
  }
}

/** The async resources (timers, sockets, immediates, workers, ...) created while `fn` runs; promises aside. */
function resourcesCreatedBy<T>(fn: () => T): { result: T; created: string[] } {
  const created: string[] = [];
  const hook = createHook({
    init: (_id, type) => {
      if (type !== 'PROMISE') created.push(type);
    },
  });
  hook.enable();
  try {
    return { result: fn(), created };
  } finally {
    hook.disable();
  }
}

describe('buildServer', () => {
  // With every optional piece: the NetworkPolicy fence is a controller with its own informer.
  const options = { ...defaultOptions, selfFencingNetworkPolicy: 'kiosk-fence' };

  it('creates no timer, socket or other handle and calls no one', () => {
    const client = new RecordingClient();
    const active = process.getActiveResourcesInfo();
    const { result: server, created } = resourcesCreatedBy(() => buildServer(options, client, silentLogger));
    expect(created).toEqual([]);
    expect(process.getActiveResourcesInfo()).toEqual(active);
    expect(server.controllers).toHaveLength(4);
    expect(client.calls).toEqual([]);
  });

  it('stops cleanly without having started: no Lease released, nothing left running', async () => {
    const client = new RecordingClient();
    const active = process.getActiveResourcesInfo();
    const server = buildServer(options, client, silentLogger);
    const { result: stopped, created } = resourcesCreatedBy(() => server.stop());
    await stopped;
    expect(created).toEqual([]);
    expect(process.getActiveResourcesInfo()).toEqual(active);
    expect(client.calls).toEqual([]);
  });
});
