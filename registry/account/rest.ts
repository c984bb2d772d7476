import type { KubeObject } from '../../storage/informers/informer.js';
import type { VisibilitySource } from '../collection-view.js';
import { CollectionView } from '../collection-view.js';
import { configToTenancyAccount } from './convert.js';
import type { Account } from './types.js';

export const ACCOUNTS = { group: 'tenancy.kiosk.sh', resource: 'accounts' };

/** Accounts as the requesting user sees them: those naming them as a subject, or that RBAC lets them `get`. */
export class AccountStorage extends CollectionView<Account<'tenancy.kiosk.sh/v1alpha1'>> {
  constructor(source: VisibilitySource) {
    super(source, 'accounts', ACCOUNTS,
      (obj: KubeObject, rv?: string) => configToTenancyAccount(obj as unknown as Parameters<typeof configToTenancyAccount>[0], rv),
      { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'AccountList' });
  }
}
