import type { ListMeta, ObjectMeta } from '../../storage/apimachinery/object-meta.js';

/** An RBAC subject, written exactly as in a RoleBinding. */
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface TemplateInstanceSpec {
  template: string;
  sync?: boolean;
  parameters?: Array<{ name: string; value: string }>;
}

/** metav1.LabelSelector, as a NetworkPolicyPeer carries it. */
export interface PeerLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** networking.k8s.io/v1 NetworkPolicyPeer: an ipBlock, or namespace and/or pod selectors. */
export interface NetworkPolicyPeer {
  namespaceSelector?: PeerLabelSelector;
  podSelector?: PeerLabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

/** The Pod Security Standards level enforced in every space (pod-security.kubernetes.io/*). */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** What keeps an account's spaces apart from the rest of the cluster; see registry/account/isolation.ts. */
export interface AccountIsolation {
  podSecurity?: PodSecurityLevel;
  /** Account: a NetworkPolicy in each space admits ingress only from the account's spaces (and allowFrom). */
  network?: 'None' | 'Account';
  allowFrom?: NetworkPolicyPeer[];
}

export interface AccountSpec {
  subjects?: Subject[];
  isolation?: AccountIsolation;
  space?: {
    /** ClusterRole bound in every space for the subjects; unset (or null) means "admin", "" means none. */
    clusterRole?: string | null;
    /** Most spaces the account may own; unset means unlimited. */
    limit?: number;
    templateInstances?: Array<{ metadata?: ObjectMeta; spec: TemplateInstanceSpec }>;
    spaceTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } };
  };
  /** What the account's spaces may run, enforced by admission (registry/policy); unset means no rule. */
  policy?: AccountPolicy;
}

/**
 * An Account's guardrails. A list left unset is no rule; an empty list allows nothing. The class lists may
 * hold "" for an object that names no class.
 */
export interface AccountPolicy {
  /** Image prefixes ("registry.example.com/"); an image matches as written or in its normalized form. */
  allowedRegistries?: string[];
  /** PersistentVolumeClaims' spec.storageClassName. */
  allowedStorageClasses?: string[];
  /** Ingresses' spec.ingressClassName (or their kubernetes.io/ingress.class annotation). */
  allowedIngressClasses?: string[];
  /** Pods' spec.priorityClassName. */
  allowedPriorityClasses?: string[];
  /** Labels every pod's nodeSelector must carry: added when absent, refused when different. */
  nodeSelector?: Record<string, string>;
}

export interface AccountStatus {
  namespaces?: Array<{ name: string }>;
}

/** The same schema under config.kiosk.sh (the CRD, the source of truth) and tenancy.kiosk.sh (the view). */
export interface Account<G extends string = 'tenancy.kiosk.sh/v1alpha1' | 'config.kiosk.sh/v1alpha1'> {
  apiVersion: G;
  kind: 'Account';
  metadata: ObjectMeta;
  spec: AccountSpec;
  status?: AccountStatus;
}

export interface AccountList {
  apiVersion: 'tenancy.kiosk.sh/v1alpha1';
  kind: 'AccountList';
  metadata: ListMeta;
  items: Array<Account<'tenancy.kiosk.sh/v1alpha1'>>;
}

/** The label on a Namespace naming its account (Kiosk's, so existing clusters carry over). */
export const ACCOUNT_LABEL = 'kiosk.sh/account';
