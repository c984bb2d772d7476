import type { Logger } from '../../storage/logger.js';
import { Workqueue } from '../../storage/workqueue.js';
import type { ApplyTarget } from '../../storage/object-writer.js';
import { accountClusterRole, accountClusterRoleBinding } from './rbac.js';
import type { Account } from './types.js';
import { ACCOUNT_LABEL } from './types.js';

/** Writes the controller needs (implemented by storage/ObjectWriter). */
export interface AccountWriter {
  apply<T>(obj: ApplyTarget, plural: string): Promise<T>;
  patchStatus<T>(obj: ApplyTarget, plural: string, status: unknown): Promise<T>;
}

/** The informer-backed reads the controller needs. */
export interface AccountSource {
  account(name: string): Account | undefined;
}

interface NamespaceLike {
  metadata: { name: string; labels?: Record<string, string> };
}

/**
 * Keeps, for every Account: a ClusterRole and ClusterRoleBinding letting its subjects read the tenancy
 * API (owned by the Account, so the garbage collector removes them with it), and status.namespaces,
 * the namespaces labelled with it. Runs from informer events through a de-duplicating workqueue.
 */
export class AccountController {
  private readonly queue: Workqueue;
  /** account -> namespaces labelled with it, maintained from namespace events. */
  private readonly namespacesByAccount = new Map<string, Set<string>>();
  private readonly accountOfNamespace = new Map<string, string>();

  constructor(private readonly source: AccountSource, private readonly writer: AccountWriter, log: Logger) {
    this.queue = new Workqueue({ name: 'account', concurrency: 4 }, (key) => this.reconcile(key), log);
  }

  onAccount(account: Account): void {
    this.queue.add(account.metadata.name!);
  }

  /** Namespace events: a namespace joining or leaving an account changes that account's status. */
  onNamespace(ns: NamespaceLike | undefined, deleted = false): void {
    if (!ns) return;
    const name = ns.metadata.name;
    const before = this.accountOfNamespace.get(name);
    const after = deleted ? undefined : ns.metadata.labels?.[ACCOUNT_LABEL] || undefined;
    if (before === after) return;
    if (before) {
      this.namespacesByAccount.get(before)?.delete(name);
      this.queue.add(before);
    }
    if (after) {
      let set = this.namespacesByAccount.get(after);
      if (!set) this.namespacesByAccount.set(after, (set = new Set()));
      set.add(name);
      this.accountOfNamespace.set(name, after);
      this.queue.add(after);
    } else {
      this.accountOfNamespace.delete(name);
    }
  }

  /** Owned RBAC objects that change or vanish are put back by reconciling their account. */
  onOwnedObject(obj: { metadata: { labels?: Record<string, string> } }): void {
    const account = obj.metadata.labels?.[ACCOUNT_LABEL];
    if (account) this.queue.add(account);
  }

  namespacesOf(account: string): string[] {
    return [...(this.namespacesByAccount.get(account) ?? [])].sort();
  }

  start(): void {
    this.queue.start();
  }

  stop(): void {
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async reconcile(name: string): Promise<void> {
    const account = this.source.account(name);
    if (!account || account.metadata.deletionTimestamp) return;
    await this.writer.apply(accountClusterRole(account), 'clusterroles');
    await this.writer.apply(accountClusterRoleBinding(account), 'clusterrolebindings');
    const namespaces = this.namespacesOf(name).map((n) => ({ name: n }));
    const current = account.status?.namespaces ?? [];
    if (JSON.stringify(current) !== JSON.stringify(namespaces)) {
      await this.writer.patchStatus({ apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name } }, 'accounts', { namespaces });
    }
  }
}
