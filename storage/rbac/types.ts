import type { KubeObject } from '../informers/informer.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RbacSubject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  /** 'Role' or 'ClusterRole', as read from the cluster. */
  kind: string;
  name: string;
}

/** Role or ClusterRole. */
export interface RoleObject extends KubeObject {
  rules?: PolicyRule[] | null;
}

/** RoleBinding or ClusterRoleBinding. */
export interface BindingObject extends KubeObject {
  subjects?: RbacSubject[] | null;
  roleRef: RoleRef;
}
