import type { CreatesInFlight } from '../registry/space/creating-mark.js';
import { AccountStrategy } from '../registry/account/strategy.js';
import type { ConfigAccount } from '../registry/account/backend.js';
import type { Account } from '../registry/account/types.js';
import { GenericStore } from '../registry/generic/store.js';
import { SpaceStrategy } from '../registry/space/strategy.js';
import type { NamespaceObject } from '../registry/space/backend.js';
import type { ReservedMetadata } from '../registry/space/reserved-metadata.js';
import type { Space } from '../registry/space/types.js';
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
    isUserAllowed: (user: Parameters<Visibility['isUserAllowed']>[0], name: string) => visibility.isUserAllowed(user, name),
    waitFor: (condition: () => boolean, timeoutMs: number, signal?: AbortSignal) => visibility.waitFor(condition, timeoutMs, signal),
  };
}

/** The write path of Spaces and Accounts: what the REST storage of each writes through. */
export function buildWriters(deps: {
  client: KubeClient;
  /** An Account as the informer has it. */
  account: (name: string) => (Account<'config.kiosk.sh/v1alpha1'> & KubeObject) | undefined;
  authorizer: SubjectAccessReviewer;
  ledger: LeaseLedger;
  visibility: Visibility;
  templates: TemplateInstanceController;
  creates: CreatesInFlight;
  /** The label and annotation keys tenants may not write on Spaces. */
  reserved: ReservedMetadata;
}): { spaceWriter: GenericStore<Space, NamespaceObject>; accountWriter: GenericStore<Account<'tenancy.kiosk.sh/v1alpha1'>, ConfigAccount> } {
  const { client, authorizer, ledger, visibility, templates, creates } = deps;
  const spaceWriter = new GenericStore(new SpaceStrategy(
    new KubeSpaceBackend(client, deps.account, authorizer,
      new CountReservations(ledger, 60_000)),
    { ...visibilityIndexFor(visibility) },
    templates,
    creates,
    deps.reserved,
  ), visibility, authorizer);
  const accountWriter = new GenericStore(new AccountStrategy(new KubeAccountBackend(client), {
    indexedVersion: (name) => visibility.object('accounts', name)?.metadata.resourceVersion,
  }), visibility, authorizer);
  return { spaceWriter, accountWriter };
}
