/**
 * What the account controller does with one namespace of an account that has mandatory templates. The
 * rule it enforces: the tenant's RoleBinding is never created in a namespace whose mandatory
 * TemplateInstances are not all Deployed, whatever annotations say.
 *
 * - bind: the namespace is complete (or was bound before): bind (or keep the binding current), and clear
 *   the creating mark if it has one; a space bound before also gets the templates the account gained since
 *   (`instantiate`, the roll-out), without losing its binding meanwhile.
 * - wait: nothing to do now; a TemplateInstance or namespace event, or `recheckInMs`, brings it back.
 * - complete: instantiate the missing mandatory templates (roll-out, or finishing a dead create), then wait.
 * - delete: a create died and its templates failed: remove the namespace, as the create itself would have
 *   (Kiosk deletes a space whose mandatory templates fail).
 */
export type SpaceDecision =
  | { kind: 'bind'; clearMark: boolean; instantiate: string[] }
  | { kind: 'wait'; why: string; recheckInMs?: number }
  | { kind: 'complete'; instantiate: string[] }
  | { kind: 'delete'; why: string };

export type TemplateState = 'Deployed' | 'Failed' | 'Pending' | 'Missing';

export interface SpaceFacts {
  /** The account's mandatory templates (spec.space.templateInstances[].spec.template). */
  mandatory: string[];
  /** The TemplateInstances in the namespace: the template each deploys and its status. */
  instances: Array<{ template?: string; status?: string }>;
  /** The creating mark (undefined: a complete namespace, or one made outside our create, e.g. by Kiosk). */
  mark: { creator: string } | undefined;
  /** For a marked namespace: whether its create request is still running, or when to look again. */
  create?: { live: boolean; recheckInMs?: number };
  /** Whether the tenant's RoleBinding exists already. */
  bound: boolean;
  /** The account's template roll-out to existing spaces (the kiosk.sh/template-rollout annotation). */
  rollout: boolean;
}

/** Deployed if one instance of the template is; Failed if one failed and none deployed; else Pending/Missing. */
export function templateState(template: string, instances: SpaceFacts['instances']): TemplateState {
  const mine = instances.filter((i) => i.template === template);
  if (mine.some((i) => i.status === 'Deployed')) return 'Deployed';
  if (mine.some((i) => i.status === 'Failed')) return 'Failed';
  return mine.length > 0 ? 'Pending' : 'Missing';
}

export function decideSpace(facts: SpaceFacts): SpaceDecision {
  const states = facts.mandatory.map((t) => [t, templateState(t, facts.instances)] as const);
  const missing = states.filter(([, s]) => s === 'Missing').map(([t]) => t);
  const failed = states.filter(([, s]) => s === 'Failed').map(([t]) => t);
  const deployed = states.every(([, s]) => s === 'Deployed');

  if (facts.mark) {
    // The create request instantiates and binds itself; doing it beside it would race it.
    if (facts.create?.live !== false) {
      return { kind: 'wait', why: 'its create request is still running', ...(facts.create?.recheckInMs !== undefined ? { recheckInMs: facts.create.recheckInMs } : {}) };
    }
    // A dead create: finish it exactly as it would have finished, or undo it as it would have undone.
    if (failed.length > 0) return { kind: 'delete', why: `its create request died and mandatory template ${failed.join(', ')} failed` };
    if (missing.length > 0) return { kind: 'complete', instantiate: missing };
    if (!deployed) return { kind: 'wait', why: 'its mandatory templates are not deployed yet' };
    return { kind: 'bind', clearMark: true, instantiate: [] };
  }

  // A namespace bound before keeps its binding (kept current): adding a template to the account must not
  // take access away from every existing space while the new instances deploy.
  if (facts.bound || deployed) return { kind: 'bind', clearMark: false, instantiate: facts.rollout ? missing : [] };
  // The admin opted existing spaces out of new mandatory templates: they are bound without them.
  if (!facts.rollout) return { kind: 'bind', clearMark: false, instantiate: [] };
  if (missing.length > 0) return { kind: 'complete', instantiate: missing };
  return { kind: 'wait', why: failed.length > 0 ? `mandatory template ${failed.join(', ')} failed` : 'its mandatory templates are not deployed yet' };
}
