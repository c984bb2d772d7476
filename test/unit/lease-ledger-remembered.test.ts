// The Lease ledger remembers the Lease it last wrote and swaps against it without reading first; another
// writer makes the swap conflict and the decision is taken again on what is read; a decision that writes
// nothing is never taken on a remembered Lease.
import type { KubeClient } from '../../storage/client.js';
import { KubeApiError } from '../../storage/kube-api-error.js';
import type { LedgerEntry } from '../../storage/lease-ledger.js';
import { LeaseLedger, MAX_LEDGER_ANNOTATION_BYTES } from '../../storage/lease-ledger.js';

interface StoredLease { metadata: { name: string; namespace: string; resourceVersion: string; annotations?: Record<string, string> }; spec: object }

/** kube-apiserver's optimistic concurrency on one Lease, in memory: a PUT at a stale resourceVersion is 409. */
function leaseStore() {
  let rv = 1;
  let lease: StoredLease = { metadata: { name: 'quota-a', namespace: 'ns', resourceVersion: String(rv) }, spec: {} };
  const calls: string[] = [];
  const client = {
    request: (method: string, _path: string, params: { body?: StoredLease } = {}) => {
      calls.push(method);
      if (method === 'GET') return Promise.resolve(structuredClone(lease));
      if (method === 'PUT') {
        if (params.body!.metadata.resourceVersion !== lease.metadata.resourceVersion) {
          return Promise.reject(new KubeApiError(409, { kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409, message: 'the object has been modified' }, 'PUT: 409'));
        }
        lease = { ...params.body!, metadata: { ...params.body!.metadata, resourceVersion: String(++rv) } };
        return Promise.resolve(structuredClone(lease));
      }
      return Promise.reject(new Error(`unexpected ${method}`));
    },
  } as unknown as KubeClient;
  /** Another replica's write: the entries replaced and the resourceVersion moved on. */
  const writeElsewhere = (entries: Record<string, LedgerEntry<string>>) => {
    lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++rv), annotations: { 'kiosk.sh/ledger': JSON.stringify(entries) } } };
  };
  const stored = () => JSON.parse(lease.metadata.annotations?.['kiosk.sh/ledger'] ?? '{}') as Record<string, LedgerEntry<string>>;
  return { client, calls, writeElsewhere, stored };
}

const entry = (data: string): LedgerEntry<string> => ({ data, createdAt: Date.now(), expiresAt: Date.now() + 60_000 });
const add = (key: string) => (entries: Record<string, LedgerEntry<string>>) =>
  Promise.resolve({ write: { ...entries, [key]: entry(key) }, result: Object.keys(entries).sort() });

describe('LeaseLedger remembers what it wrote', () => {
  it('a second transaction swaps against the Lease it wrote, without reading', async () => {
    const { client, calls, stored } = leaseStore();
    const ledger = new LeaseLedger(client, 'ns');
    expect(await ledger.transact('quota-a', add('x'))).toEqual([]);
    expect(await ledger.transact('quota-a', add('y'))).toEqual(['x']);
    expect(calls).toEqual(['GET', 'PUT', 'PUT']);
    expect(Object.keys(stored()).sort()).toEqual(['x', 'y']);
  });

  it('another writer in between: the swap conflicts, the decision is taken again on what is read', async () => {
    const { client, calls, writeElsewhere, stored } = leaseStore();
    const ledger = new LeaseLedger(client, 'ns');
    await ledger.transact('quota-a', add('x'));
    writeElsewhere({ x: entry('x'), other: entry('other') });
    const seen: string[][] = [];
    const result = await ledger.transact<string, string[]>('quota-a', (entries) => {
      seen.push(Object.keys(entries).sort());
      return add('y')(entries);
    });
    expect(seen).toEqual([['x'], ['other', 'x']]);
    expect(result).toEqual(['other', 'x']);
    expect(calls).toEqual(['GET', 'PUT', 'PUT', 'GET', 'PUT']);
    expect(Object.keys(stored()).sort()).toEqual(['other', 'x', 'y']);
  });

  it('a decision that writes nothing is taken on a fresh read, not on the remembered Lease', async () => {
    const { client, calls, writeElsewhere } = leaseStore();
    const ledger = new LeaseLedger(client, 'ns');
    await ledger.transact('quota-a', add('x'));
    writeElsewhere({});
    expect(await ledger.entries('quota-a')).toEqual({});
    expect(calls).toEqual(['GET', 'PUT', 'GET']);
  });

  it('a ledger too full is only concluded on a fresh read: another replica may have freed it', async () => {
    const { client, calls, writeElsewhere, stored } = leaseStore();
    const ledger = new LeaseLedger(client, 'ns');
    const half = 'x'.repeat(MAX_LEDGER_ANNOTATION_BYTES / 2);
    await ledger.transact('quota-a', (entries) => Promise.resolve({ write: { ...entries, big: entry(half) }, result: undefined }));
    writeElsewhere({});
    await ledger.transact('quota-a', (entries) => Promise.resolve({ write: { ...entries, second: entry(half) }, result: undefined }));
    expect(calls).toEqual(['GET', 'PUT', 'GET', 'PUT']);
    expect(Object.keys(stored())).toEqual(['second']);
  });

  it('a failed write forgets the Lease: the next transaction reads first', async () => {
    const { client, calls } = leaseStore();
    const ledger = new LeaseLedger(client, 'ns');
    await ledger.transact('quota-a', add('x'));
    const failing = client.request.bind(client);
    let fail = true;
    (client as unknown as { request: typeof failing }).request = (method, path, params) => {
      if (method === 'PUT' && fail) {
        fail = false;
        calls.push('PUT');
        return Promise.reject(new Error('socket hang up'));
      }
      return failing(method, path, params);
    };
    await expect(ledger.transact('quota-a', add('y'))).rejects.toThrow('socket hang up');
    await ledger.transact('quota-a', add('z'));
    expect(calls).toEqual(['GET', 'PUT', 'PUT', 'GET', 'PUT']);
  });
});
