import type { CreatesInFlight } from '../registry/space/creating-mark.js';
import { AccountWriter } from '../registry/account/writer.js';
import { SpaceWriter } from '../registry/space/writer.js';
import type { TemplateInstanceController } from '../registry/template/controller.js';
import { KubeAccountBackend } from '../storage/account-backend.js';
import type { SubjectAccessReviewer } from '../storage/authorization/subject-access-reviewer.js';
import type { KubeClient } from '../storage/client.js';
import type { KubeObject } from '../storage/informers/informer.js';
import type { LeaseLedger } from '../storage/lease-ledger.js';
import { CountReservations } from '../storage/reservations.js';
import { KubeSpaceBackend } from '../storage/space-backend.js';
import type { Visibility } from '../storage/visibility/visibility.js';

/** The Space writer's view of the access index. */
function visibilityIndexFor(visibility: Visibility) {
  return {
    object: (collection: 'namespaces', name: string) => visibility.object(collection, name),
    isCurrent: (collection: 'namespaces', name: string, rv: string) => visibility.isCurrent(collection, name, rv),
    isUserAllowed: (user: Parameters<Visibility['isUserAllowed']>[0], name: string) => visibility.isUserAllowed(user, name),
    waitFor: (condition: () => boolean, timeoutMs: number, signal?: AbortSignal) => visibility.waitFor(condition, timeoutMs, signal),
  };
}

/** The write path of Spaces and Accounts: what the REST storage of each writes through. */
export function buildWriters(deps: {
  client: KubeClient;
  /** An Account as the informer has it. */
  account: (name: string) => KubeObject | undefined;
  authorizer: SubjectAccessReviewer;
  ledger: LeaseLedger;
  visibility: Visibility;
  templates: TemplateInstanceController;
  creates: CreatesInFlight;
}): { spaceWriter: SpaceWriter; accountWriter: AccountWriter } {
  const { client, authorizer, ledger, visibility, templates, creates } = deps;
  const spaceWriter = new SpaceWriter(
    new KubeSpaceBackend(client, deps.account, authorizer,
      new CountReservations(ledger, 60_000)),
    { ...visibilityIndexFor(visibility) },
    templates,
    creates,
  );
  const accountWriter = new AccountWriter(new KubeAccountBackend(client, (name, rv) => visibility.isCurrent('accounts', name, rv)), {
    indexedVersion: (name) => visibility.object('accounts', name)?.metadata.resourceVersion,
    waitFor: (condition, timeoutMs, signal) => visibility.waitFor(condition, timeoutMs, signal),
  });
  return { spaceWriter, accountWriter };
}
