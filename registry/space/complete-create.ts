import { StatusError } from '../../storage/apimachinery/errors.js';
import { isolationNetworkPolicy, NETWORK_ISOLATION_ANNOTATION, NETWORK_ISOLATION_APPLIED, networkIsolated } from '../account/isolation.js';
import type { Account } from '../account/types.js';
import { templateInstanceFailedMessage } from '../template/render.js';
import { PROTECTED_LABEL } from '../protection/protected-objects.js';
import type { AccountPlacement } from './account-placement.js';
import { SPACES } from './account-placement.js';
import type { NamespaceObject, SpaceBackend } from './backend.js';
import { SPACE_CREATOR_ANNOTATION, SPACE_PHASE_ANNOTATION } from './creating-mark.js';

/** Waiting for a space's mandatory TemplateInstances (the TemplateInstance controller). */
export interface TemplateWaiter {
  waitForDeployed(namespace: string, names: string[], timeoutMs: number): Promise<
    { ok: true } | { ok: false; name: string; reason: string; message: string } | { ok: false; timeout: true }>;
}

/** Kiosk waits a minute for mandatory templates before it gives up on a space. */
const TEMPLATE_WAIT_MS = 60_000;

type MandatoryTemplates = NonNullable<NonNullable<Account['spec']['space']>['templateInstances']>;

/** What completing a new space takes. */
interface SpaceCompletion {
  backend: Pick<SpaceBackend, 'createTemplateInstance' | 'patchNamespace' | 'deleteNamespace' | 'applyNetworkPolicy'>;
  placement: Pick<AccountPlacement, 'bind'>;
  templates?: TemplateWaiter;
}

/**
 * The steps after the namespace of a new space in an account exists: the account's isolation NetworkPolicy
 * first (nothing in the space, not even a template's workload, runs a moment without it), its mandatory
 * TemplateInstances next (the tenant gets access only to a space that already has them), then the tenant's
 * RoleBinding, then the creating mark cleared and the policy recorded on the namespace. Nothing half-made
 * stays behind: on failure the namespace is deleted again. Resolves with the namespace once patched, or
 * undefined when there was nothing to patch.
 */
export async function completeCreate(steps: SpaceCompletion, name: string, account: Account, mandatory: MandatoryTemplates,
  marked: boolean): Promise<NamespaceObject | undefined> {
  try {
    const isolated = networkIsolated(account);
    if (isolated) await steps.backend.applyNetworkPolicy(isolationNetworkPolicy(account, name));
    const instances: string[] = [];
    for (const entry of mandatory) {
      const meta = entry.metadata ?? {};
      instances.push(await steps.backend.createTemplateInstance({
        apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance',
        metadata: {
          ...(meta.name ? { name: meta.name } : { generateName: meta.generateName ?? `${entry.spec.template}-` }),
          // Labelled protected: the tenant may not delete or change a mandatory instance (registry/protection/).
          namespace: name, labels: { ...meta.labels, [PROTECTED_LABEL]: 'true' }, ...(meta.annotations ? { annotations: meta.annotations } : {}),
        },
        spec: entry.spec,
      }, false));
    }
    if (instances.length > 0 && steps.templates) {
      const outcome = await steps.templates.waitForDeployed(name, instances, TEMPLATE_WAIT_MS);
      if (!outcome.ok) {
        throw new Error('timeout' in outcome ? 'timed out waiting for the condition'
          : templateInstanceFailedMessage(outcome.name, outcome.reason, outcome.message));
      }
    }
    await steps.placement.bind(name, account);
    // Last: the space is complete. Until this write lands, a crash leaves it to the account controller.
    if (!marked && !isolated) return undefined;
    return await steps.backend.patchNamespace(name, { metadata: { annotations: {
      ...(marked ? { [SPACE_PHASE_ANNOTATION]: null, [SPACE_CREATOR_ANNOTATION]: null } : {}),
      ...(isolated ? { [NETWORK_ISOLATION_ANNOTATION]: NETWORK_ISOLATION_APPLIED } : {}),
    } } });
  } catch (err) {
    // No namespace without its RoleBinding and templates: undo, then say why.
    await steps.backend.deleteNamespace(name, { dryRun: false, propagationPolicy: 'Background' }).catch(() => undefined);
    if (err instanceof StatusError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new StatusError(500, 'InternalError', `Internal error occurred: ${message}`,
      { name, group: SPACES.group, kind: SPACES.resource, causes: [{ message }] });
  }
}
