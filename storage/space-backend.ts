import type { AccessAttributes, AccessDecision } from './authorization/subject-access-reviewer.js';
import type { KubeClient } from './client.js';
import { KubeApiError } from './kube-api-error.js';
import type { KubeObject } from './informers/informer.js';
import { FIELD_MANAGER } from './object-writer.js';
import type { CountReservations } from './reservations.js';
import type { UserInfo } from './user-info.js';

import { applyRequest } from './apply-request.js';
import type { ApplyOptions, WriteOptions } from './apply-request.js';

const dry = (dryRun: boolean) => (dryRun ? { dryRun: 'All' } : {});

/** Any object with a name: registry types need not extend storage's. */
type Named = { metadata: { name?: string } };
type Namespaced = { metadata: { name?: string; namespace: string } };

/**
 * The registry's SpaceBackend over kube-apiserver, acting with the server's own identity. Methods are
 * generic over the object shapes so that storage stays free of registry types (it implements the
 * interface the registry declares, structurally). `A` is the config Account as the informer caches it.
 */
export class KubeSpaceBackend<A extends KubeObject> {
  constructor(
    private readonly client: KubeClient,
    private readonly cachedAccount: (name: string) => A | undefined,
    private readonly authorizer: { authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision> },
    private readonly reservations: CountReservations,
  ) {}

  createNamespace<T extends Named>(ns: T, o: WriteOptions): Promise<T> {
    return this.client.request('POST', '/api/v1/namespaces', { body: ns, query: { ...dry(o.dryRun), fieldManager: o.fieldManager } });
  }

  async getNamespace<T extends Named>(name: string): Promise<T | undefined> {
    try {
      return await this.client.request<T>('GET', `/api/v1/namespaces/${encodeURIComponent(name)}`);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  updateNamespace<T extends Named>(ns: T, o: WriteOptions): Promise<T> {
    return this.client.request('PUT', `/api/v1/namespaces/${encodeURIComponent(ns.metadata.name ?? '')}`, { body: ns, query: { ...dry(o.dryRun), fieldManager: o.fieldManager } });
  }

  applyNamespace<T extends Named>(name: string, config: T, o: ApplyOptions): Promise<T> {
    return this.client.request('PATCH', `/api/v1/namespaces/${encodeURIComponent(name)}`, applyRequest(config, o));
  }

  patchNamespace<T extends Named>(name: string, patch: unknown): Promise<T> {
    return this.client.request('PATCH', `/api/v1/namespaces/${encodeURIComponent(name)}`, {
      body: patch, contentType: 'application/merge-patch+json', query: { fieldManager: FIELD_MANAGER },
    });
  }

  deleteNamespace<T extends Named>(name: string, o: { dryRun: boolean; propagationPolicy?: string; uid?: string; resourceVersion?: string }): Promise<T> {
    const preconditions = o.uid || o.resourceVersion ? { preconditions: { ...(o.uid ? { uid: o.uid } : {}), ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}) } } : {};
    return this.client.request('DELETE', `/api/v1/namespaces/${encodeURIComponent(name)}`, {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', ...(o.propagationPolicy ? { propagationPolicy: o.propagationPolicy } : {}), ...(o.dryRun ? { dryRun: ['All'] } : {}), ...preconditions },
    });
  }

  async namespacesWithLabel(label: string, value: string): Promise<Set<string>> {
    const names = new Set<string>();
    let continueToken: string | undefined;
    do {
      const page = await this.client.request<{ metadata: { continue?: string }; items: KubeObject[] }>('GET', '/api/v1/namespaces', {
        query: { labelSelector: `${label}=${value}`, limit: 500, continue: continueToken },
      });
      for (const ns of page.items) names.add(ns.metadata.name);
      continueToken = page.metadata.continue || undefined;
    } while (continueToken);
    return names;
  }

  async applyRoleBinding(rb: Namespaced, dryRun: boolean): Promise<void> {
    await this.client.request('PATCH', `/apis/rbac.authorization.k8s.io/v1/namespaces/${encodeURIComponent(rb.metadata.namespace)}/rolebindings/${encodeURIComponent(rb.metadata.name ?? '')}`, {
      body: rb, contentType: 'application/apply-patch+yaml', query: { fieldManager: FIELD_MANAGER, force: 'true', ...dry(dryRun) },
    });
  }

  async applyNetworkPolicy(policy: Namespaced): Promise<void> {
    await this.client.request('PATCH', `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(policy.metadata.namespace)}/networkpolicies/${encodeURIComponent(policy.metadata.name ?? '')}`, {
      body: policy, contentType: 'application/apply-patch+yaml', query: { fieldManager: FIELD_MANAGER, force: 'true' },
    });
  }

  async deleteRoleBinding(namespace: string, name: string): Promise<void> {
    try {
      await this.client.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/rolebindings/${encodeURIComponent(name)}`);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
    }
  }

  async createTemplateInstance(ti: Namespaced, dryRun: boolean): Promise<string> {
    const created = await this.client.request<{ metadata: { name: string } }>('POST', `/apis/config.kiosk.sh/v1alpha1/namespaces/${encodeURIComponent(ti.metadata.namespace)}/templateinstances`, {
      body: ti, query: { ...dry(dryRun), fieldManager: FIELD_MANAGER },
    });
    return created.metadata.name;
  }

  async account(name: string): Promise<A | undefined> {
    const cached = this.cachedAccount(name);
    if (cached) return cached;
    try {
      return await this.client.request<A>('GET', `/apis/config.kiosk.sh/v1alpha1/accounts/${encodeURIComponent(name)}`);
    } catch (err) {
      // kube-apiserver refuses names no object can have (".", "..") with 400: no such account either.
      if (err instanceof KubeApiError && (err.statusCode === 404 || err.statusCode === 400)) return undefined;
      throw err;
    }
  }

  authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision> {
    return this.authorizer.authorize(user, attributes);
  }

  reserveSpace(account: string, space: string, limit: number, dryRun: boolean): Promise<{ ok: true } | { ok: false; count: number } | { ok: false; busy: true }> {
    return this.reservations.reserve(`space-limit-${account}`.slice(0, 253), space, limit,
      () => this.namespacesWithLabel('kiosk.sh/account', account), dryRun);
  }

  releaseSpace(account: string, space: string): Promise<void> {
    return this.reservations.release(`space-limit-${account}`.slice(0, 253), space);
  }
}
