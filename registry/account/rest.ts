import type { KubeObject } from '../../storage/informers/informer.js';
import type { VisibilitySource } from '../collection-view.js';
import { CollectionView } from '../collection-view.js';
import type { Applied, Applier, ApplyOptions, Creater, DeleteOptions, Deleter, Updater, WriteContext, WriteStore } from '../write-verbs.js';
import { configToTenancyAccount } from './convert.js';
import type { Account } from './types.js';
import { ACCOUNTS } from './strategy.js';


/** Accounts as the requesting user sees them: those naming them as a subject, or that RBAC lets them `get`. */
type TenancyAccount = Account<'tenancy.kiosk.sh/v1alpha1'>;

export class AccountStorage extends CollectionView<TenancyAccount> implements Creater<TenancyAccount>, Updater<TenancyAccount>, Deleter<TenancyAccount>, Applier<TenancyAccount> {
  constructor(source: VisibilitySource, private readonly writer: WriteStore<TenancyAccount>) {
    super(source, 'accounts', ACCOUNTS,
      (obj: KubeObject) => configToTenancyAccount(obj),
      { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'AccountList' });
  }

  create(ctx: WriteContext, account: TenancyAccount): Promise<TenancyAccount> {
    return this.writer.create(ctx, account);
  }

  update(ctx: WriteContext, name: string, account: TenancyAccount): Promise<TenancyAccount> {
    return this.writer.update(ctx, name, account);
  }

  delete(ctx: WriteContext, name: string, options: DeleteOptions): Promise<TenancyAccount> {
    return this.writer.delete(ctx, name, options);
  }

  apply(ctx: WriteContext, name: string, account: TenancyAccount, options: ApplyOptions): Promise<Applied<TenancyAccount>> {
    return this.writer.apply(ctx, name, account, options);
  }
}
