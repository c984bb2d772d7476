import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { Account, AccountSpec, AccountStatus } from './types.js';

interface ConfigAccountLike {
  metadata: ObjectMeta & { name: string };
  spec?: AccountSpec;
  status?: AccountStatus;
}

/**
 * The tenancy Account is the config Account under another group (Kiosk converts by JSON round trip):
 * same metadata, spec and status. Managed fields keep their entries, re-labelled with the group a
 * client of this API sees.
 */
export function configToTenancyAccount(account: ConfigAccountLike): Account<'tenancy.kiosk.sh/v1alpha1'> {
  const metadata: ObjectMeta = { ...account.metadata };
  if (metadata.managedFields) {
    metadata.managedFields = metadata.managedFields.map((f) => ({ ...f, apiVersion: 'tenancy.kiosk.sh/v1alpha1' }));
  }
  return {
    apiVersion: 'tenancy.kiosk.sh/v1alpha1',
    kind: 'Account',
    metadata,
    spec: account.spec ?? {},
    ...(account.status ? { status: account.status } : {}),
  };
}
