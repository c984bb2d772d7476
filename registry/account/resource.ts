import type { ResourceDescriptor } from '../resource.js';
import { TENANCY_GROUP, TENANCY_VERSION } from '../resource.js';

/** Account under tenancy.kiosk.sh: the per-user view of the config.kiosk.sh Account. */
export const accountResource = (verbs: string[]): ResourceDescriptor => ({
  group: TENANCY_GROUP, version: TENANCY_VERSION, resource: 'accounts', singular: 'account', kind: 'Account', listKind: 'AccountList',
  namespaced: false, shortNames: [], categories: ['kiosk'], verbs,
});
