import type { KubeClient } from './client.js';
import { KubeApiError } from './kube-api-error.js';
import { applyRequest } from './apply-request.js';
import { FIELD_MANAGER } from './object-writer.js';
import type { ApplyOptions, WriteOptions } from './apply-request.js';

/** Any object with a name: registry types need not extend storage's. */
type Named = { metadata: { name?: string } };

const BASE = '/apis/config.kiosk.sh/v1alpha1/accounts';
const dry = (dryRun: boolean) => (dryRun ? { dryRun: 'All' } : {});

/** The registry's AccountBackend over the config.kiosk.sh CRD, with the server's identity. */
export class KubeAccountBackend {
  constructor(private readonly client: KubeClient) {}

  async get<T extends Named>(name: string): Promise<T | undefined> {
    try {
      return await this.client.request<T>('GET', `${BASE}/${encodeURIComponent(name)}`);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  create<T extends Named>(account: T, o: WriteOptions): Promise<T> {
    return this.client.request('POST', BASE, { body: account, query: { ...dry(o.dryRun), fieldManager: o.fieldManager } });
  }

  update<T extends Named>(account: T, o: WriteOptions): Promise<T> {
    return this.client.request('PUT', `${BASE}/${encodeURIComponent(account.metadata.name ?? '')}`, { body: account, query: { ...dry(o.dryRun), fieldManager: o.fieldManager } });
  }

  patch<T extends Named>(name: string, patch: unknown): Promise<T> {
    return this.client.request('PATCH', `${BASE}/${encodeURIComponent(name)}`, {
      body: patch, contentType: 'application/merge-patch+json', query: { fieldManager: FIELD_MANAGER },
    });
  }

  apply<T extends Named>(name: string, config: T, o: ApplyOptions): Promise<T> {
    return this.client.request('PATCH', `${BASE}/${encodeURIComponent(name)}`, applyRequest(config, o));
  }

  /** The Account when a finalizer keeps it, else kube-apiserver's Status. */
  delete<T extends Named>(name: string, o: { dryRun: boolean; propagationPolicy?: string; uid?: string; resourceVersion?: string }): Promise<T | { kind: 'Status' }> {
    const preconditions = o.uid || o.resourceVersion ? { preconditions: { ...(o.uid ? { uid: o.uid } : {}), ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}) } } : {};
    return this.client.request('DELETE', `${BASE}/${encodeURIComponent(name)}`, {
      body: {
        apiVersion: 'v1', kind: 'DeleteOptions', ...(o.propagationPolicy ? { propagationPolicy: o.propagationPolicy } : {}),
        ...(o.dryRun ? { dryRun: ['All'] } : {}), ...preconditions,
      },
    });
  }
}
