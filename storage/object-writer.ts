import type { KubeClient } from './client.js';
import { KubeApiError } from './kube-api-error.js';

/** The field manager of everything this server applies (server-side apply). */
export const FIELD_MANAGER = 'kiosk';

export interface ApplyTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** The REST path of an object, from its apiVersion, kind (lower-cased plural) and namespace. */
export function objectPath(obj: ApplyTarget, plural: string): string {
  const [group = '', version = ''] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const ns = obj.metadata.namespace ? `/namespaces/${encodeURIComponent(obj.metadata.namespace)}` : '';
  return `${prefix}${ns}/${plural}/${encodeURIComponent(obj.metadata.name)}`;
}

/**
 * Writes for controllers: server-side apply with our field manager (idempotent, so retries and two
 * replicas converge on the same object) and merge patches of the status subresource.
 */
export class ObjectWriter {
  constructor(private readonly client: KubeClient) {}

  apply<T>(obj: ApplyTarget, plural: string): Promise<T> {
    return this.client.request<T>('PATCH', objectPath(obj, plural), {
      query: { fieldManager: FIELD_MANAGER, force: 'true' },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
  }

  patchStatus<T>(obj: ApplyTarget, plural: string, status: unknown): Promise<T> {
    return this.client.request<T>('PATCH', `${objectPath(obj, plural)}/status`, {
      query: { fieldManager: FIELD_MANAGER },
      body: { status },
      contentType: 'application/merge-patch+json',
    });
  }

  /** A JSON merge patch of the object (a null removes a key). */
  patch<T>(obj: ApplyTarget, plural: string, patch: unknown): Promise<T> {
    return this.client.request<T>('PATCH', objectPath(obj, plural), {
      query: { fieldManager: FIELD_MANAGER },
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  /** Replaces the status subresource wholesale (JSON patch `add /status`, which also replaces). */
  replaceStatus<T>(obj: ApplyTarget, plural: string, status: unknown): Promise<T> {
    return this.client.request<T>('PATCH', `${objectPath(obj, plural)}/status`, {
      query: { fieldManager: FIELD_MANAGER },
      body: [{ op: 'add', path: '/status', value: status }],
      contentType: 'application/json-patch+json',
    });
  }

  /** Deletes an object; one that is already gone is fine. */
  async remove(obj: ApplyTarget, plural: string, options: { propagationPolicy?: string } = {}): Promise<void> {
    try {
      await this.client.request('DELETE', objectPath(obj, plural), {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}) },
      });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
    }
  }
}
