import type { KubeObject } from '../../storage/informers/informer.js';
import type { VisibilitySource } from '../collection-view.js';
import { CollectionView } from '../collection-view.js';
import type { Creater, DeleteOptions, Deleter, Updater, WriteContext } from '../write-verbs.js';
import { configToTenancyAccount } from './convert.js';
import type { Account } from './types.js';
import type { AccountWriter } from './writer.js';
import { ACCOUNTS } from './writer.js';


/** Accounts as the requesting user sees them: those naming them as a subject, or that RBAC lets them `get`. */
type TenancyAccount = Account<'tenancy.kiosk.sh/v1alpha1'>;

export class AccountStorage extends CollectionView<TenancyAccount> implements Creater<TenancyAccount>, Updater<TenancyAccount>, Deleter<TenancyAccount> {
  constructor(source: VisibilitySource, private readonly writer: AccountWriter) {
    super(source, 'accounts', ACCOUNTS,
      (obj: KubeObject, rv?: string) => configToTenancyAccount(obj, rv),
      { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'AccountList' });
  }

  async create(ctx: WriteContext, account: TenancyAccount): Promise<TenancyAccount> {
    return await this.writer.create(ctx, account) as TenancyAccount;
  }

  async update(ctx: WriteContext, name: string, account: TenancyAccount): Promise<TenancyAccount> {
    return await this.writer.update(ctx, name, account) as TenancyAccount;
  }

  async delete(ctx: WriteContext, name: string, options: DeleteOptions): Promise<TenancyAccount> {
    return await this.writer.delete(ctx, name, options) as TenancyAccount;
  }
}
