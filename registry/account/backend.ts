import type { StoredApplyOptions, StoredWriteOptions } from '../generic/strategy.js';
import type { Account } from './types.js';

export type ConfigAccount = Account<'config.kiosk.sh/v1alpha1'>;

/** What writing Accounts needs from kube-apiserver (the config.kiosk.sh CRD is the store). */
export interface AccountBackend {
  get(name: string): Promise<ConfigAccount | undefined>;
  create(account: ConfigAccount, options: StoredWriteOptions): Promise<ConfigAccount>;
  update(account: ConfigAccount, options: StoredWriteOptions): Promise<ConfigAccount>;
  /** A JSON merge patch of the Account, by the server's own manager. */
  patch(name: string, patch: unknown): Promise<ConfigAccount>;
  /** Server-side apply of a config Account apply configuration (preconditions in its metadata). */
  apply(name: string, config: ConfigAccount, options: StoredApplyOptions): Promise<ConfigAccount>;
  /** Resolves with the Account when a finalizer keeps it, otherwise with kube-apiserver's Status. */
  delete(name: string, options: { dryRun: boolean; propagationPolicy?: string; uid?: string; resourceVersion?: string }): Promise<ConfigAccount | { kind: 'Status' }>;
}
