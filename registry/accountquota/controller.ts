import type { Logger } from '../../storage/logger.js';
import type { ApplyTarget } from '../../storage/object-writer.js';
import { Workqueue } from '../../storage/workqueue.js';
import type { WorkqueueMetricsProvider } from '../../storage/workqueue.js';
import type { Quantity } from '../../storage/apimachinery/quantity.js';
import { format, parseQuantity } from '../../storage/apimachinery/quantity.js';
import type { AccountQuota } from './types.js';
import { UsageIndex } from './usage-index.js';

export interface QuotaStatusWriter {
  /** Replaces the whole status (a merge patch would keep resource names the quota no longer has). */
  replaceStatus<T>(obj: ApplyTarget, plural: string, status: unknown): Promise<T>;
}

export interface QuotaControllerSource {
  quota(name: string): AccountQuota | undefined;
  quotasOf(account: string): AccountQuota[];
  namespacesOf(account: string): string[];
  usage: UsageIndex;
}

const formatted = (m: Map<string, Quantity>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, format(v)]));

/**
 * Keeps each AccountQuota's status true: status.total.hard and .used, and status.namespaces[] with each
 * space's usage, recomputed from the informers whenever an object it counts, a namespace's account, or
 * the quota changes. Written only on a real change. (Admission does not wait for it: it reads the same
 * in-memory usage directly.)
 */
export class AccountQuotaController {
  private readonly queue: Workqueue;

  constructor(private readonly source: QuotaControllerSource, private readonly writer: QuotaStatusWriter, log: Logger,
    queueMetrics?: WorkqueueMetricsProvider) {
    this.queue = new Workqueue({ name: 'accountquota', concurrency: 2, metrics: queueMetrics }, (key) => this.reconcile(key), log);
  }

  onQuota(quota: AccountQuota): void {
    this.queue.add(quota.metadata.name);
  }

  /** Something counted changed in an account's namespace (or a namespace joined or left the account). */
  onAccountChanged(account: string | undefined): void {
    if (!account) return;
    for (const q of this.source.quotasOf(account)) this.queue.add(q.metadata.name);
  }

  start(): void {
    this.queue.start();
  }

  stop(): void {
    this.queue.stop();
  }

  private async reconcile(name: string): Promise<void> {
    const quota = this.source.quota(name);
    if (!quota) return;
    const namespaces = this.source.namespacesOf(quota.spec.account);
    const perNamespace = this.source.usage.usage(quota, namespaces);
    const names = Object.keys(quota.spec.quota?.hard ?? {});
    const total = UsageIndex.total(perNamespace, names);
    const status = {
      total: {
        hard: Object.fromEntries(Object.entries(quota.spec.quota?.hard ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, format(parseQuantity(String(v)))])),
        used: formatted(total),
      },
      namespaces: [...perNamespace].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, used]) => ({ namespace, status: { used: formatted(used) } })),
    };
    if (JSON.stringify(quota.status ?? {}) === JSON.stringify(status)) return;
    await this.writer.replaceStatus({ apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'AccountQuota', metadata: { name } }, 'accountquotas', status);
  }
}
