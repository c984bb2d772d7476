import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import { ACCOUNT_LABEL } from '../account/types.js';
import { isolationConditions } from './isolation-conditions.js';
import { spaceManagedFields } from './managed-fields.js';
import type { Space } from './types.js';

/** The parts of a v1 Namespace a Space is made from. */
export interface NamespaceLike {
  metadata: ObjectMeta & { name: string };
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

/**
 * A Space is its Namespace: same name, uid, resourceVersion, annotations and timestamps; the
 * kiosk.sh/account label becomes spec.account and is dropped from the labels (as Kiosk does). Its
 * managedFields are the Namespace's, in the Space's terms (managed-fields.ts); status.conditions say whether
 * the account's isolation is in place (isolation-conditions.ts).
 */
export function namespaceToSpace(ns: NamespaceLike): Space {
  const { managedFields, ...metadata } = ns.metadata;
  const { [ACCOUNT_LABEL]: account, ...labels } = metadata.labels ?? {};
  const conditions = isolationConditions(metadata);
  return {
    apiVersion: 'tenancy.kiosk.sh/v1alpha1',
    kind: 'Space',
    metadata: {
      ...metadata,
      ...(Object.keys(labels).length > 0 ? { labels } : { labels: undefined }),
      ...(managedFields ? { managedFields: spaceManagedFields(managedFields) } : {}),
    },
    spec: {
      ...(account ? { account } : {}),
      ...(ns.spec?.finalizers ? { finalizers: ns.spec.finalizers } : {}),
    },
    status: { ...(ns.status?.phase ? { phase: ns.status.phase } : {}), ...(conditions.length > 0 ? { conditions } : {}) },
  };
}
