import { ACCOUNT_LABEL } from '../account/types.js';
import type { Account } from '../account/types.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { NamespaceObject } from './backend.js';
import type { Space } from './types.js';
import { withMarkOf } from './creating-mark.js';
import { isolationLabels, withIsolationAnnotations } from '../account/isolation.js';

const nonEmpty = <T extends object>(o: T | undefined) => (o && Object.keys(o).length > 0 ? o : undefined);

/**
 * The Namespace a Space stands for. The account's spaceTemplate labels and annotations win over the
 * user's (as in Kiosk), the account's isolation labels (pod security) win over both, and the account label
 * is always set from spec.account, so it cannot be forged through metadata.labels.
 */
export function namespaceMetadataOf(space: Space, account: Account | undefined): Pick<ObjectMeta, 'labels' | 'annotations'> {
  const template = account?.spec.space?.spaceTemplate?.metadata;
  const merged: Record<string, string> = { ...(space.metadata.labels ?? {}), ...(template?.labels ?? {}), ...isolationLabels(account) };
  const { [ACCOUNT_LABEL]: _forged, ...labels } = merged;
  if (space.spec.account) labels[ACCOUNT_LABEL] = space.spec.account;
  const annotations = { ...(space.metadata.annotations ?? {}), ...(template?.annotations ?? {}) };
  return { labels: nonEmpty(labels), annotations: nonEmpty(annotations) };
}

/** `labels` with the account's isolation labels over them; undefined stays undefined when there are none. */
export function withIsolationLabels(labels: Record<string, string> | undefined, account: Account | undefined): Record<string, string> | undefined {
  const isolation = isolationLabels(account);
  return Object.keys(isolation).length > 0 ? { ...labels, ...isolation } : labels;
}

/** A new space's Namespace: isolated from its first write on, so there is no window without the labels. */
export function newNamespace(space: Space, name: string, account: Account | undefined): NamespaceObject {
  const { labels, annotations: asked } = namespaceMetadataOf(space, account);
  const annotations = withIsolationAnnotations(asked, account, undefined, true);
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

/**
 * The Namespace apply configuration of a client's Space configuration: the fields a tenant writes (labels,
 * annotations, ownerReferences, finalizers, and spec.account as the account label), nothing else. As for an
 * update, the account label comes only from spec.account and the creating mark is never the client's.
 */
export function namespaceApplyConfig(space: Space): NamespaceObject {
  const { [ACCOUNT_LABEL]: _forged, ...labels } = space.metadata.labels ?? {};
  // Decoding does not hold a body to the type: an apply configuration may come without a spec.
  const account = (space.spec as Space['spec'] | undefined)?.account;
  if (account) labels[ACCOUNT_LABEL] = account;
  // The isolation annotations are the server's record of what it set: a tenant's configuration never owns them.
  const annotations = withIsolationAnnotations(withMarkOf(space.metadata.annotations, undefined), undefined, undefined, false) ?? {};
  const { ownerReferences, finalizers } = space.metadata;
  return {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: {
      name: space.metadata.name ?? '',
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(ownerReferences ? { ownerReferences } : {}),
      ...(finalizers ? { finalizers } : {}),
    },
  };
}

/** The labels and annotations `wanted` has and `applied` lacks or holds otherwise, as a merge patch; undefined for none. */
export function serverAdditions(applied: NamespaceObject, wanted: NamespaceObject): { metadata: Pick<ObjectMeta, 'labels' | 'annotations'> } | undefined {
  const missing = (have: Record<string, string> | undefined, want: Record<string, string> | undefined) =>
    nonEmpty(Object.fromEntries(Object.entries(want ?? {}).filter(([k, v]) => have?.[k] !== v)));
  const labels = missing(applied.metadata.labels, wanted.metadata.labels);
  const annotations = missing(applied.metadata.annotations, wanted.metadata.annotations);
  if (!labels && !annotations) return undefined;
  return { metadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
}
