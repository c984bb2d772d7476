import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';

/**
 * A namespace whose create request has not finished yet carries this annotation (value `creating`), set
 * in the namespace create itself and cleared by the create's last step, after the tenant's RoleBinding.
 * It tells the account controller that the namespace may still lack its mandatory TemplateInstances and
 * must not be bound (or have templates rolled out) on its own while the create is alive; and that a create
 * that died (server killed, replica gone) left it to be completed or removed.
 */
export const SPACE_PHASE_ANNOTATION = 'kiosk.sh/space-phase';
export const SPACE_PHASE_CREATING = 'creating';

/** The identity of the replica whose create request made the namespace (its leader-election identity). */
export const SPACE_CREATOR_ANNOTATION = 'kiosk.sh/space-creator';

/**
 * How long a create request may take at most: the minute Kiosk waits for mandatory templates, plus the
 * writes around it. A marked namespace older than this has no live create, whatever its creator says.
 */
export const CREATE_DEADLINE_MS = 90_000;

/** The creating mark of a namespace: the replica that creates it, or undefined when it is complete. */
export function creatingMark(meta: Pick<ObjectMeta, 'annotations'>): { creator: string } | undefined {
  const annotations = meta.annotations ?? {};
  if (!Object.prototype.hasOwnProperty.call(annotations, SPACE_PHASE_ANNOTATION)) return undefined;
  if (annotations[SPACE_PHASE_ANNOTATION] !== SPACE_PHASE_CREATING) return undefined;
  const creator = Object.prototype.hasOwnProperty.call(annotations, SPACE_CREATOR_ANNOTATION) ? annotations[SPACE_CREATOR_ANNOTATION] : undefined;
  return { creator: creator ?? '' };
}

/**
 * The mark's annotations as they must be on a namespace: the writer's own mark when it is creating, and on
 * an update whatever the namespace has now — a tenant can neither forge the mark nor clear it.
 */
export function withMarkOf(annotations: Record<string, string> | undefined, mark: Record<string, string> | undefined): Record<string, string> | undefined {
  const { [SPACE_PHASE_ANNOTATION]: _phase, [SPACE_CREATOR_ANNOTATION]: _creator, ...next } = annotations ?? {};
  for (const key of [SPACE_PHASE_ANNOTATION, SPACE_CREATOR_ANNOTATION]) {
    const value = mark && Object.prototype.hasOwnProperty.call(mark, key) ? mark[key] : undefined;
    if (value !== undefined) next[key] = value;
  }
  return Object.keys(next).length > 0 ? next : undefined;
}

/** The creates this process is running now, by namespace: a create of our own is alive exactly while listed. */
export class CreatesInFlight {
  private readonly running = new Map<string, number>();

  constructor(readonly identity: string) {}

  begin(namespace: string): void {
    this.running.set(namespace, (this.running.get(namespace) ?? 0) + 1);
  }

  end(namespace: string): void {
    const n = (this.running.get(namespace) ?? 0) - 1;
    if (n > 0) this.running.set(namespace, n);
    else this.running.delete(namespace);
  }

  has(namespace: string): boolean {
    return this.running.has(namespace);
  }
}
