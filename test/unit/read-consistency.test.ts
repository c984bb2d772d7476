// Reads while the informers behind the index recover from an outage: a GET answers what kube-apiserver has
// (with the same visibility rules), a list waits for the watches and otherwise asks the client to retry as
// kube-apiserver's watch cache does. The ReadConsistency is scripted here; the informer side of it runs
// against the real control plane in test/integration/resilience.test.ts.
import { AccountStorage } from '../../registry/account/rest.js';
import { StatusError } from '../../storage/apimachinery/errors.js';
import { parseFieldSelector } from '../../storage/apimachinery/field-selector.js';
import { parseLabelSelector } from '../../storage/apimachinery/label-selector.js';
import type { ListOptions } from '../../registry/rest.js';
import type { KubeObject } from '../../storage/informers/informer.js';
import { ScriptedConsistency } from '../support/scripted-consistency.js';
import { Visibility } from '../../storage/visibility/visibility.js';
import { Cluster, user, userSubject } from './visibility-fixtures.js';

const account = (name: string, limit: number, subjects: string[]): KubeObject => ({
  apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account',
  metadata: { name, resourceVersion: String(100 + limit), uid: `uid-${name}` },
  spec: { space: { limit }, subjects: subjects.map(userSubject) },
} as KubeObject);

const listOptions = (): ListOptions => ({
  labelSelector: parseLabelSelector(''), fieldSelector: parseFieldSelector('', ['metadata.name']), limit: 0, continueToken: '',
  resourceVersion: '', resourceVersionMatch: '', watch: false, allowWatchBookmarks: false, sendInitialEvents: undefined, timeoutSeconds: undefined,
});

describe('reads while the informers recover', () => {
  let cluster: Cluster;
  let consistency: ScriptedConsistency;
  let storage: AccountStorage;
  const dev = { user: { ...user('dev'), extra: {} } };
  const stranger = { user: { ...user('stranger'), extra: {} } };

  beforeEach(() => {
    cluster = new Cluster();
    cluster.account('dev-account', [userSubject('dev')]);
    consistency = new ScriptedConsistency();
    // Reads never write: a writer that would say so if they did.
    const noWrites = () => Promise.reject(new Error('a read wrote'));
    storage = new AccountStorage(new Visibility(cluster.index, consistency), { create: noWrites, update: noWrites, delete: noWrites, apply: noWrites });
  });

  it('answers from the index, without reading through, while it is current', async () => {
    expect((await storage.get(dev, 'dev-account')).metadata.name).toBe('dev-account');
    expect(consistency.liveReads).toEqual([]);
  });

  it('answers what kube-apiserver has while recovering: what the index has not seen yet, and its newest version', async () => {
    consistency.isCurrent = false;
    consistency.objects.set('new-account', account('new-account', 1, ['dev']));
    consistency.objects.set('dev-account', account('dev-account', 5, ['dev']));
    expect((await storage.get(dev, 'new-account')).metadata.name).toBe('new-account');
    expect((await storage.get(dev, 'dev-account')).spec.space?.limit).toBe(5);
  });

  it('keeps visibility on the live object, and says 404 for what kube-apiserver no longer has', async () => {
    consistency.isCurrent = false;
    consistency.objects.set('new-account', account('new-account', 1, ['dev']));
    await expect(storage.get(stranger, 'new-account')).rejects.toMatchObject({ code: 404 });
    // dev-account is still in the index, but deleted meanwhile.
    await expect(storage.get(dev, 'dev-account')).rejects.toMatchObject({ code: 404 });
  });

  it('falls back to the index when kube-apiserver cannot be read but the watches are open', async () => {
    consistency.isCurrent = false;
    consistency.live = () => Promise.reject(new Error('connect ECONNREFUSED'));
    expect((await storage.get(dev, 'dev-account')).metadata.name).toBe('dev-account');
  });

  it('asks the client to retry (429, storage is (re)initializing) when neither can answer', async () => {
    consistency.isCurrent = false;
    consistency.isConnected = false;
    consistency.live = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const err = await storage.get(dev, 'dev-account').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toMatchObject({ code: 429, reason: 'TooManyRequests', message: 'storage is (re)initializing' });
  });

  it('lists once the watches are open again, and asks the client to retry if they are not within the wait', async () => {
    consistency.isConnected = false;
    consistency.reconnects = true;
    expect((await storage.list(dev, listOptions())).items.map((a) => a.metadata.name)).toEqual(['dev-account']);
    expect(consistency.waits).toHaveLength(1);

    consistency.isConnected = false;
    consistency.reconnects = false;
    await expect(storage.list(dev, listOptions())).rejects.toMatchObject({ code: 429, message: 'storage is (re)initializing' });
  });
});
