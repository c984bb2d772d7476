import type { ResourceDescriptor } from '../resource.js';
import { TENANCY_GROUP, TENANCY_VERSION } from '../resource.js';

/** Space: the per-user, cluster-scoped view of one Namespace. */
export const spaceResource = (verbs: string[]): ResourceDescriptor => ({
  group: TENANCY_GROUP, version: TENANCY_VERSION, resource: 'spaces', singular: 'space', kind: 'Space', listKind: 'SpaceList',
  namespaced: false, shortNames: [], categories: ['kiosk'], verbs,
});
