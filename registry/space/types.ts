import type { ListMeta, ObjectMeta } from '../../storage/apimachinery/object-meta.js';

/** tenancy.kiosk.sh/v1alpha1 Space: Kiosk's field names, so Kiosk's YAML works unchanged. */
export interface Space {
  apiVersion: 'tenancy.kiosk.sh/v1alpha1';
  kind: 'Space';
  metadata: ObjectMeta;
  spec: {
    /** The owning account; stored as the namespace's kiosk.sh/account label. */
    account?: string;
    finalizers?: string[];
  };
  status: {
    phase?: string;
    /** PodSecurityEnforced and NetworkIsolated, for a space of an account with spec.isolation; absent otherwise. */
    conditions?: SpaceCondition[];
  };
}

/** Whether one aspect of the account's isolation is in place in the space (isolation-conditions.ts). */
export interface SpaceCondition {
  type: 'PodSecurityEnforced' | 'NetworkIsolated';
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface SpaceList {
  apiVersion: 'tenancy.kiosk.sh/v1alpha1';
  kind: 'SpaceList';
  metadata: ListMeta;
  items: Space[];
}
