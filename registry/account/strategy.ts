import type { ManagedFieldsEntry, PreparedWrite, StoredApplyOptions, StoredDeleteOptions, StoredWriteOptions, WriteStrategy } from '../generic/strategy.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import type { RequestContext } from '../rest.js';
import type { AccountBackend, ConfigAccount } from './backend.js';
import { configToTenancyAccount } from './convert.js';
import type { Account, AccountSpec } from './types.js';
import { validateAccount } from './validation.js';

export const ACCOUNTS: GroupResource = { group: 'tenancy.kiosk.sh', resource: 'accounts' };

type TenancyAccount = Account<'tenancy.kiosk.sh/v1alpha1'>;

/** What the Account strategy reads back from the access index, which serves every read of Accounts. */
export interface AccountIndex {
  /** The resourceVersion of the stored Account the index holds, undefined when it holds none. */
  indexedVersion(name: string): string | undefined;
}

/** The index holds `written` or something newer (the controller writes status right after a create). */
function atLeast(held: string | undefined, written: string | undefined): boolean {
  if (held === undefined || written === undefined) return false;
  return held === written || (/^\d+$/.test(held) && /^\d+$/.test(written) && BigInt(held) > BigInt(written));
}

/** A body may come without a spec at all (decoding does not hold it to the type): that is an empty spec. */
const specOf = (a: { spec?: AccountSpec }): AccountSpec => a.spec ?? {};

/** The parts of an Account a client writes; status is never taken from a client (the controller owns it). */
const written = (a: ConfigAccount) =>
  JSON.stringify([a.metadata.labels ?? {}, a.metadata.annotations ?? {}, a.metadata.ownerReferences ?? [], a.metadata.finalizers ?? [], specOf(a)]);

/**
 * Accounts written through tenancy.kiosk.sh (RBAC on accounts.tenancy.kiosk.sh decides who: cluster
 * admins) are stored as config.kiosk.sh Accounts. The answer is the stored object, so clients see the
 * fresh resourceVersion.
 */
export class AccountStrategy implements WriteStrategy<TenancyAccount, ConfigAccount> {
  readonly resource = ACCOUNTS;
  readonly kind = 'Account';
  /** The config.kiosk.sh CRD has the same schema: its 422 is ours, reworded with our group. */
  readonly upstreamValidatesOurSchema = true;
  /** Managers wrote the config Account through tenancy.kiosk.sh: conflicts name that version. */
  readonly conflictWording = {
    text: (message: string) => message.replace(/ using config\.kiosk\.sh\/v1alpha1(?=[\s:]|$)/g, ' using tenancy.kiosk.sh/v1alpha1'),
    field: (path: string) => path,
  };

  constructor(private readonly backend: AccountBackend, private readonly index: AccountIndex) {}

  toView(stored: ConfigAccount): TenancyAccount {
    return configToTenancyAccount(stored as Parameters<typeof configToTenancyAccount>[0]);
  }

  validate(account: TenancyAccount) {
    return validateAccount(account);
  }

  get(_ctx: RequestContext, name: string): Promise<ConfigAccount | undefined> {
    return this.backend.get(name);
  }

  read(name: string): Promise<ConfigAccount | undefined> {
    return this.backend.get(name);
  }

  setManagedFields(name: string, managedFields: ManagedFieldsEntry[], resourceVersion: string): Promise<ConfigAccount> {
    return this.backend.patch(name, { metadata: { managedFields, resourceVersion } });
  }

  create(account: ConfigAccount, options: StoredWriteOptions): Promise<ConfigAccount> {
    return this.backend.create(account, options);
  }

  update(account: ConfigAccount, options: StoredWriteOptions): Promise<ConfigAccount> {
    return this.backend.update(account, options);
  }

  apply(name: string, config: ConfigAccount, options: StoredApplyOptions): Promise<ConfigAccount> {
    return this.backend.apply(name, config, options);
  }

  /**
   * The config Account apply configuration of a client's: the same fields under the stored group (status is
   * the controller's); a configuration without a spec owns none of it.
   */
  applyConfig(account: TenancyAccount): ConfigAccount {
    const { name, labels, annotations, ownerReferences, finalizers } = account.metadata;
    const spec = (account as { spec?: AccountSpec }).spec;
    return {
      apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account',
      metadata: { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}), ...(ownerReferences ? { ownerReferences } : {}), ...(finalizers ? { finalizers } : {}) },
      ...(spec ? { spec } : {}),
    } as ConfigAccount;
  }

  async delete(name: string, options: StoredDeleteOptions): Promise<ConfigAccount | undefined> {
    // The preconditions the store checked go along, so kube-apiserver refuses the delete if the Account changed since.
    const deleted = await this.backend.delete(name, {
      dryRun: options.dryRun, propagationPolicy: options.propagationPolicy, uid: options.uid,
      ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
    });
    // A finalizer keeps it, marked for deletion (the Account comes back); otherwise a Status does.
    return deleted.kind === 'Account' ? deleted : undefined;
  }

  showsCreated(_ctx: RequestContext, name: string, stored: ConfigAccount): boolean {
    return atLeast(this.index.indexedVersion(name), stored.metadata.resourceVersion);
  }

  showsUpdated(_ctx: RequestContext, name: string, stored: ConfigAccount): boolean {
    return atLeast(this.index.indexedVersion(name), stored.metadata.resourceVersion);
  }

  showsDeleted(_ctx: RequestContext, name: string, kept: ConfigAccount | undefined): boolean {
    const held = this.index.indexedVersion(name);
    return held === undefined || (kept !== undefined && atLeast(held, kept.metadata.resourceVersion));
  }

  prepareForCreate(_ctx: RequestContext, account: TenancyAccount): Promise<PreparedWrite<ConfigAccount>> {
    const { name, labels, annotations, ownerReferences, finalizers } = account.metadata;
    return Promise.resolve({
      object: {
        apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account',
        metadata: { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}), ...(ownerReferences ? { ownerReferences } : {}), ...(finalizers ? { finalizers } : {}) },
        spec: specOf(account),
      },
    });
  }

  prepareForUpdate(_ctx: RequestContext, current: ConfigAccount, account: TenancyAccount): Promise<PreparedWrite<ConfigAccount>> {
    return Promise.resolve({
      object: {
        ...current,
        metadata: {
          ...current.metadata,
          labels: account.metadata.labels, annotations: account.metadata.annotations,
          ownerReferences: account.metadata.ownerReferences, finalizers: account.metadata.finalizers,
        },
        spec: specOf(account),
      },
    });
  }

  unchanged(current: ConfigAccount, next: ConfigAccount): boolean {
    return written(current) === written(next);
  }
}
