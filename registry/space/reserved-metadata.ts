import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import { NETWORK_ISOLATION_ANNOTATION, POD_SECURITY_ANNOTATION } from '../account/isolation.js';
import { ACCOUNT_LABEL } from '../account/types.js';
import { SPACE_CREATOR_ANNOTATION, SPACE_PHASE_ANNOTATION } from './creating-mark.js';

/**
 * Label and annotation prefixes a tenant may not set or change on a Space: Pod Security Admission reads its
 * level from `pod-security.kubernetes.io/` labels (a tenant choosing `enforce: privileged` escapes the cluster's
 * default level), and the server keeps its own state under `kiosk.sh/`. Always reserved; a flag adds more.
 */
export const DEFAULT_RESERVED_PREFIXES: readonly string[] = ['pod-security.kubernetes.io/', 'kiosk.sh/'];

/** Keys under a reserved prefix that the server itself derives, and so are judged elsewhere or never the tenant's. */
const DERIVED_KEYS = new Set([ACCOUNT_LABEL]);

/**
 * Annotations only the server writes and keeps whatever a client sends (the creating mark, the record of the
 * isolation it applied): a client's value for them is dropped, so it is neither judged nor refused.
 */
const SERVER_KEPT_ANNOTATIONS = [SPACE_PHASE_ANNOTATION, SPACE_CREATOR_ANNOTATION, POD_SECURITY_ANNOTATION, NETWORK_ISOLATION_ANNOTATION];

/** `annotations` without those the server keeps. */
export function serverKeptRemoved(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const rest = { ...annotations };
  for (const key of SERVER_KEPT_ANNOTATIONS) Reflect.deleteProperty(rest, key);
  return rest;
}

type Metadata = Pick<ObjectMeta, 'labels' | 'annotations'>;

/** One key a write would add, change or remove under a reserved prefix. */
export interface ReservedChange {
  kind: 'label' | 'annotation';
  key: string;
}

/**
 * Which metadata keys are reserved. A prefix ending in "/" reserves its domain and every subdomain, the way
 * Kubernetes reserves `kubernetes.io/` and `*.kubernetes.io/` (`x.kiosk.sh/team` is as reserved as
 * `kiosk.sh/team`); any other prefix is matched as written.
 */
export class ReservedMetadata {
  private readonly domains: string[];
  private readonly plain: string[];

  constructor(readonly prefixes: readonly string[] = DEFAULT_RESERVED_PREFIXES) {
    this.domains = prefixes.filter((p) => p.endsWith('/')).map((p) => p.slice(0, -1));
    this.plain = prefixes.filter((p) => !p.endsWith('/'));
  }

  isReserved(key: string): boolean {
    if (DERIVED_KEYS.has(key)) return false;
    if (this.plain.some((p) => key.startsWith(p))) return true;
    const slash = key.indexOf('/');
    if (slash < 0) return false;
    const domain = key.slice(0, slash);
    return this.domains.some((d) => domain === d || domain.endsWith(`.${d}`));
  }

  /**
   * The reserved keys whose value differs between `current` and `next`, unless `next` holds exactly what the
   * account prescribes for them (its spaceTemplate, its isolation): those the server sets, whoever asks.
   */
  changes(current: Metadata, next: Metadata, prescribed: Metadata): ReservedChange[] {
    const found: ReservedChange[] = [];
    const compare = (kind: ReservedChange['kind'], before: Record<string, string> = {}, after: Record<string, string> = {}, wanted: Record<string, string> = {}) => {
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (!this.isReserved(key)) continue;
        const value = Object.hasOwn(after, key) ? after[key] : undefined;
        const was = Object.hasOwn(before, key) ? before[key] : undefined;
        if (value === was) continue;
        if (value !== undefined && Object.hasOwn(wanted, key) && wanted[key] === value) continue;
        found.push({ kind, key });
      }
    };
    compare('label', current.labels, next.labels, prescribed.labels);
    compare('annotation', current.annotations, next.annotations, prescribed.annotations);
    return found;
  }

  /** The reason of the 403 for a write that changes reserved keys. */
  reason(changes: ReservedChange[]): string {
    // A key is the client's text, not yet validated by kube-apiserver: quoted at most in part.
    const shown = (key: string) => (key.length > 80 ? `${key.slice(0, 80)}...` : key);
    const named = changes.slice(0, 3).map((c) => `${c.kind} "${shown(c.key)}"`).join(', ') + (changes.length > 3 ? `, and ${String(changes.length - 3)} more` : '');
    return `${named}: keys under ${this.prefixes.join(', ')} are reserved; only the account's spaceTemplate and isolation, `
      + 'and users who may update every namespace, set or change them';
  }
}
