import type { Account } from './types.js';

export type ConfigAccount = Account<'config.kiosk.sh/v1alpha1'>;

/** What writing Accounts needs from kube-apiserver (the config.kiosk.sh CRD is the store). */
export interface AccountBackend {
  get(name: string): Promise<ConfigAccount | undefined>;
  create(account: ConfigAccount, dryRun: boolean): Promise<ConfigAccount>;
  update(account: ConfigAccount, dryRun: boolean): Promise<ConfigAccount>;
  /** Resolves with the Account when a finalizer keeps it, otherwise with kube-apiserver's Status. */
  delete(name: string, options: { dryRun: boolean; propagationPolicy?: string; uid?: string; resourceVersion?: string }): Promise<ConfigAccount | { kind: 'Status' }>;
}
