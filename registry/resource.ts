/**
 * How a resource presents itself in discovery and OpenAPI. The verbs are those its REST storage
 * implements; discovery advertises exactly these (the garbage collector and quota controllers act on them).
 */
export interface ResourceDescriptor {
  group: string;
  version: string;
  /** Plural, lower-case: `spaces`. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
}

export const TENANCY_GROUP = 'tenancy.kiosk.sh';
export const TENANCY_VERSION = 'v1alpha1';
