/**
 * The Events controllers report for what a tenant or an admin must see: failures they can act on, and the
 * success that follows one. Declared here, implemented in storage (storage/events/event-recorder.ts).
 */

import type { ObjectReference } from '../storage/events/event-recorder.js';

/** core/v1 ObjectReference: the object an Event is about (the recorder's type, so both cannot drift). */
export type { ObjectReference };

export interface EventSink {
  /**
   * Records an Event about `regarding`. Must not throw and must not block the caller: the write happens
   * later, repeats are aggregated, and under load an Event may be dropped.
   * `reason` is UpperCamelCase (`DeployFailed`), `action` what was being done (`Deploying`).
   */
  record(event: { regarding: ObjectReference; type: 'Normal' | 'Warning'; reason: string; action: string; note: string }): void;
}

/** For callers with no one to tell (and tests that do not look). */
export const discardEvents: EventSink = { record: () => undefined };

/** The reference to an object from its apiVersion, kind and metadata. */
export function referenceTo(apiVersion: string, kind: string,
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string }): ObjectReference {
  return {
    apiVersion, kind, name: metadata.name ?? '',
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    ...(metadata.uid ? { uid: metadata.uid } : {}),
    ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
  };
}

/**
 * What an Event's note says about an error: kube-apiserver's own message when the error carries its Status
 * (without our client's "PATCH /path: 403" prefix), else the error's message.
 */
export function errorNote(err: unknown): string {
  const status = (err as { status?: { message?: unknown } } | undefined)?.status;
  if (status && typeof status.message === 'string' && status.message) return status.message;
  return err instanceof Error ? err.message : String(err);
}
