import type { KubeClient } from '../client.js';
import { KubeApiError } from '../kube-api-error.js';
import { Informer } from '../informers/informer.js';
import type { Logger } from '../logger.js';
import type { WorkqueueMetricsProvider } from '../workqueue.js';
import { Workqueue } from '../workqueue.js';
import type { EndpointSlice } from './apiserver-addresses.js';
import { apiserverCidrs, fencePeers, KUBERNETES_SERVICE_SELECTOR } from './apiserver-addresses.js';

interface NetworkPolicy {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: { ingress?: Array<{ from?: Array<{ ipBlock?: { cidr: string } }> }> };
}

export interface NetworkPolicyFenceOptions {
  /** The server's namespace, where the NetworkPolicy lives. */
  namespace: string;
  /** The NetworkPolicy whose first ingress rule the fence keeps (--self-fencing-network-policy). */
  name: string;
  /** How often the policy is read back even without an EndpointSlice change (a re-applied manifest heals). */
  resyncMs?: number;
}

const KEY = 'fence';
const DEFAULT_RESYNC_MS = 30_000;

/**
 * Self-fencing: keeps the first ingress rule's `from` of our NetworkPolicy equal to kube-apiserver's
 * addresses (apiserverCidrs of the default/kubernetes EndpointSlices), for clusters whose control plane
 * cannot be given an admission kubeconfig. The manifests ship the rule with only a placeholder address
 * (192.0.2.1/32, TEST-NET-1), so the port is closed until the fence has written the real ones.
 *
 * Never writes an empty list: a rule without `from` admits every source. With no address known (no slice
 * yet, or empty slices) it leaves the rule as it is. Leader only (start/stop follow the leader Lease):
 * every replica would write the same value, but one writer means no conflicts.
 */
export class NetworkPolicyFence {
  private readonly slices: Informer<EndpointSlice & { metadata: { name: string } }>;
  private readonly queue: Workqueue;
  private readonly path: string;
  private resync: NodeJS.Timeout | undefined;
  /** The addresses last written or found in place, for logs and tests. */
  written: string[] | undefined;

  constructor(private readonly client: KubeClient, private readonly options: NetworkPolicyFenceOptions, private readonly log: Logger,
    queueMetrics?: WorkqueueMetricsProvider) {
    this.slices = new Informer(client, {
      name: 'endpointslices.discovery.k8s.io', path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', labelSelector: KUBERNETES_SERVICE_SELECTOR,
    }, log);
    const enqueue = () => this.queue.add(KEY);
    this.slices.addHandlers({ onAdd: enqueue, onUpdate: enqueue, onDelete: enqueue });
    this.queue = new Workqueue({ name: 'networkpolicyfence', concurrency: 1, metrics: queueMetrics }, () => this.reconcile(), log);
    this.path = `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/networkpolicies/${encodeURIComponent(options.name)}`;
  }

  start(): void {
    if (this.resync) return;
    this.slices.start();
    this.queue.start();
    void this.slices.waitForSync().then(() => this.queue.add(KEY));
    this.resync = setInterval(() => this.queue.add(KEY), this.options.resyncMs ?? DEFAULT_RESYNC_MS);
    this.resync.unref();
  }

  stop(): void {
    clearInterval(this.resync);
    this.resync = undefined;
    this.queue.stop();
    void this.slices.stop();
  }

  private async reconcile(): Promise<void> {
    if (!this.slices.synced()) return;
    const cidrs = apiserverCidrs(this.slices.list());
    if (cidrs.length === 0) {
      this.log.v(1).info('no kube-apiserver address in the default/kubernetes EndpointSlices: NetworkPolicy left as it is', { name: this.options.name });
      return;
    }
    let policy: NetworkPolicy;
    try {
      policy = await this.client.request<NetworkPolicy>('GET', this.path);
    } catch (err) {
      // Not installed (the chart's networkPolicy.enabled=false with the flag set): say so, retry at resync.
      if (err instanceof KubeApiError && err.statusCode === 404) {
        this.log.info('self-fencing NetworkPolicy not found', { namespace: this.options.namespace, name: this.options.name });
        return;
      }
      throw err;
    }
    const rule = policy.spec?.ingress?.[0];
    if (!rule) throw new Error(`NetworkPolicy ${this.options.namespace}/${this.options.name} has no ingress rule to keep`);
    const desired = fencePeers(cidrs, rule.from);
    if (!desired) {
      this.written = cidrs;
      return;
    }
    // Only the first rule's peers change, guarded by the resourceVersion: other rules (probes, Prometheus,
    // a konnectivity agent) are the admin's. A 409 or 422 (the list changed) fails the key: the queue retries.
    await this.client.request('PATCH', this.path, {
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: policy.metadata.resourceVersion },
        { op: 'add', path: '/spec/ingress/0/from', value: desired },
      ],
      contentType: 'application/json-patch+json',
    });
    this.written = cidrs;
    this.log.info('self-fencing NetworkPolicy updated', { name: this.options.name, from: cidrs.join(',') });
  }
}
