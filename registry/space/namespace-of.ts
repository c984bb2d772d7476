import { ACCOUNT_LABEL } from '../account/types.js';
import type { Account } from '../account/types.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { NamespaceObject } from './backend.js';
import type { Space } from './types.js';

const nonEmpty = <T extends object>(o: T | undefined) => (o && Object.keys(o).length > 0 ? o : undefined);

/**
 * The Namespace a Space stands for. The account's spaceTemplate labels and annotations win over the
 * user's (as in Kiosk), and the account label is always set from spec.account, so it cannot be forged
 * through metadata.labels.
 */
export function namespaceMetadataOf(space: Space, account: Account | undefined): Pick<ObjectMeta, 'labels' | 'annotations'> {
  const template = account?.spec.space?.spaceTemplate?.metadata;
  const merged: Record<string, string> = { ...(space.metadata.labels ?? {}), ...(template?.labels ?? {}) };
  const { [ACCOUNT_LABEL]: _forged, ...labels } = merged;
  if (space.spec.account) labels[ACCOUNT_LABEL] = space.spec.account;
  const annotations = { ...(space.metadata.annotations ?? {}), ...(template?.annotations ?? {}) };
  return { labels: nonEmpty(labels), annotations: nonEmpty(annotations) };
}

export function newNamespace(space: Space, name: string, account: Account | undefined): NamespaceObject {
  const { labels, annotations } = namespaceMetadataOf(space, account);
  return {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: {
      name,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(space.metadata.ownerReferences?.length ? { ownerReferences: space.metadata.ownerReferences } : {}),
      ...(space.metadata.finalizers?.length ? { finalizers: space.metadata.finalizers } : {}),
    },
  };
}
