import type { RequestParams } from './client.js';

/** A create or update: whether it is a dry run, and the manager kube-apiserver records it under. */
export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
}

/** A server-side apply, with the preconditions it carries in the configuration's metadata. */
export interface ApplyOptions extends WriteOptions {
  force: boolean;
  resourceVersion?: string;
  uid?: string;
}

/**
 * The request of a server-side apply (PATCH, application/apply-patch+yaml; JSON is YAML): fieldManager, force
 * and dryRun as query parameters, the resourceVersion and uid preconditions in the configuration's metadata,
 * where kube-apiserver checks them (a mismatch is 409; the uid of an object it would create is ignored).
 */
export function applyRequest(config: { metadata: object }, o: ApplyOptions): RequestParams {
  const metadata = { ...config.metadata, ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}), ...(o.uid ? { uid: o.uid } : {}) };
  return {
    body: { ...config, metadata },
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: o.fieldManager, ...(o.force ? { force: 'true' } : {}), ...(o.dryRun ? { dryRun: 'All' } : {}) },
  };
}
