import { accountName } from './rbac.js';
import type { Account, NetworkPolicyPeer, PeerLabelSelector, PodSecurityLevel } from './types.js';
import { ACCOUNT_LABEL } from './types.js';
import { ISOLATION_POLICY_NAME, PROTECTED_LABEL } from '../protection/protected-objects.js';

/**
 * spec.isolation of an Account, as it lands in each of its spaces:
 * - podSecurity: the Pod Security Admission labels (enforce, warn, audit) on the Namespace, and the
 *   annotation kiosk.sh/pod-security remembering that the server set them (so they are removed only then);
 * - network: Account: the NetworkPolicy kiosk-account-isolation admitting ingress only from the account's
 *   spaces and allowFrom, and the annotation kiosk.sh/network-isolation saying whether it is in place
 *   (Pending from the create until the policy is applied, then Account).
 * The Space's conditions are read back from these labels and annotations alone (space/isolation-conditions.ts).
 */

export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];
export const NETWORK_MODES = ['None', 'Account'] as const;
/** The Pod Security Admission modes the server sets, all to the same level. */
export const POD_SECURITY_LABELS = ['enforce', 'warn', 'audit'].map((mode) => `pod-security.kubernetes.io/${mode}`);
/** On the Namespace: the level whose labels the server set (and may therefore remove). */
export const POD_SECURITY_ANNOTATION = 'kiosk.sh/pod-security';
/** On the Namespace: Pending (a new space, policy not applied yet) or Account (the policy is in place). */
export const NETWORK_ISOLATION_ANNOTATION = 'kiosk.sh/network-isolation';
export const NETWORK_ISOLATION_PENDING = 'Pending';
export const NETWORK_ISOLATION_APPLIED = 'Account';
export { ISOLATION_POLICY_NAME, PROTECTED_LABEL } from '../protection/protected-objects.js';

/** The level the account enforces; undefined without one (or with a value validation would refuse). */
export function podSecurityOf(account: Account | undefined): PodSecurityLevel | undefined {
  const level = account?.spec.isolation?.podSecurity;
  return level !== undefined && POD_SECURITY_LEVELS.includes(level) ? level : undefined;
}

export function networkIsolated(account: Account | undefined): boolean {
  return account?.spec.isolation?.network === 'Account';
}

/** The labels every space of the account carries; they win over the user's and the space template's. */
export function isolationLabels(account: Account | undefined): Record<string, string> {
  const level = podSecurityOf(account);
  return level ? Object.fromEntries(POD_SECURITY_LABELS.map((l) => [l, level])) : {};
}

/**
 * The server's annotations of a space's Namespace, never the tenant's: `asked` (the tenant's annotations)
 * with those two keys as `current` has them (undefined: a create), the account's pod-security level, and for a
 * create of a network-isolated account, Pending until the policy is applied.
 */
export function withIsolationAnnotations(asked: Record<string, string> | undefined, account: Account | undefined,
  current: Record<string, string> | undefined, creating: boolean): Record<string, string> | undefined {
  const { [POD_SECURITY_ANNOTATION]: _ps, [NETWORK_ISOLATION_ANNOTATION]: _ni, ...rest } = asked ?? {};
  const level = podSecurityOf(account) ?? current?.[POD_SECURITY_ANNOTATION];
  const network = creating ? (networkIsolated(account) ? NETWORK_ISOLATION_PENDING : undefined) : current?.[NETWORK_ISOLATION_ANNOTATION];
  const out = { ...rest, ...(level ? { [POD_SECURITY_ANNOTATION]: level } : {}), ...(network ? { [NETWORK_ISOLATION_ANNOTATION]: network } : {}) };
  return Object.keys(out).length > 0 ? out : undefined;
}

type MergePatchMap = Record<string, string | null>;
interface NamespaceMeta { labels?: Record<string, string>; annotations?: Record<string, string> }

/**
 * The merge patch that brings a namespace's isolation labels and annotations to the account's `level` and to
 * `policyInPlace`; undefined when they are right. Without a level, only the labels the server set (the
 * annotation says which level) and still hold that level are removed: an admin's own labels stay.
 */
export function namespaceIsolationPatch(meta: NamespaceMeta, level: PodSecurityLevel | undefined, policyInPlace: boolean):
  { metadata: { labels?: MergePatchMap; annotations?: MergePatchMap } } | undefined {
  const labels: MergePatchMap = {};
  const annotations: MergePatchMap = {};
  const setBy = meta.annotations?.[POD_SECURITY_ANNOTATION];
  if (level) {
    for (const l of POD_SECURITY_LABELS) if (meta.labels?.[l] !== level) labels[l] = level;
    if (setBy !== level) annotations[POD_SECURITY_ANNOTATION] = level;
  } else if (setBy !== undefined) {
    for (const l of POD_SECURITY_LABELS) if (meta.labels?.[l] === setBy) labels[l] = null;
    annotations[POD_SECURITY_ANNOTATION] = null;
  }
  const network = meta.annotations?.[NETWORK_ISOLATION_ANNOTATION];
  if (policyInPlace && network !== NETWORK_ISOLATION_APPLIED) annotations[NETWORK_ISOLATION_ANNOTATION] = NETWORK_ISOLATION_APPLIED;
  if (!policyInPlace && network !== undefined) annotations[NETWORK_ISOLATION_ANNOTATION] = null;
  const some = (m: MergePatchMap) => Object.keys(m).length > 0;
  if (!some(labels) && !some(annotations)) return undefined;
  return { metadata: { ...(some(labels) ? { labels } : {}), ...(some(annotations) ? { annotations } : {}) } };
}

/**
 * Whether the namespace's pod-security labels drifted: the server set them at this level and someone changed
 * or removed one since (as opposed to a level the account only now asks for).
 */
export function podSecurityDrifted(meta: NamespaceMeta, level: PodSecurityLevel | undefined): boolean {
  return level !== undefined && meta.annotations?.[POD_SECURITY_ANNOTATION] === level
    && POD_SECURITY_LABELS.some((l) => meta.labels?.[l] !== level);
}

/** Whether a namespace update touched what isolation keeps (a drift to repair, or our own patch landing). */
export function isolationMetadataChanged(before: NamespaceMeta, after: NamespaceMeta): boolean {
  return POD_SECURITY_LABELS.some((l) => before.labels?.[l] !== after.labels?.[l])
    || [POD_SECURITY_ANNOTATION, NETWORK_ISOLATION_ANNOTATION].some((a) => before.annotations?.[a] !== after.annotations?.[a]);
}

export interface NetworkPolicyObject {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    podSelector: PeerLabelSelector;
    policyTypes: string[];
    ingress: Array<{ from: NetworkPolicyPeer[] }>;
  };
}

/**
 * A selector as kube-apiserver stores it: Go drops empty maps and lists (omitempty), so the policy read back
 * equals the one applied and a reconcile sees no difference where there is none.
 */
function storedSelector(s: PeerLabelSelector): PeerLabelSelector {
  const matchLabels = s.matchLabels && Object.keys(s.matchLabels).length > 0 ? s.matchLabels : undefined;
  const matchExpressions = s.matchExpressions?.length
    ? s.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values?.length ? { values: e.values } : {}) }))
    : undefined;
  return { ...(matchLabels ? { matchLabels } : {}), ...(matchExpressions ? { matchExpressions } : {}) };
}

function storedPeer(p: NetworkPolicyPeer): NetworkPolicyPeer {
  if (p.ipBlock) return { ipBlock: { cidr: p.ipBlock.cidr, ...(p.ipBlock.except?.length ? { except: p.ipBlock.except } : {}) } };
  return {
    ...(p.namespaceSelector ? { namespaceSelector: storedSelector(p.namespaceSelector) } : {}),
    ...(p.podSelector ? { podSelector: storedSelector(p.podSelector) } : {}),
  };
}

/**
 * The NetworkPolicy of a space of a network-isolated account: every pod of the space admits ingress only
 * from pods in the account's spaces (namespaces labelled with it) and from allowFrom. Egress is untouched.
 * No ownerReference to the Account: a space that outlives its account keeps its isolation (fail closed).
 */
export function isolationNetworkPolicy(account: Account, namespace: string): NetworkPolicyObject {
  const name = accountName(account);
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
    metadata: {
      name: ISOLATION_POLICY_NAME, namespace,
      labels: { 'app.kubernetes.io/name': 'kiosk', [ACCOUNT_LABEL]: name, [PROTECTED_LABEL]: 'true' },
    },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { [ACCOUNT_LABEL]: name } } }, ...(account.spec.isolation?.allowFrom ?? []).map(storedPeer)],
      }],
    },
  };
}
