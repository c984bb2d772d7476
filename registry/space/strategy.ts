import type { UserInfo } from '../../storage/user-info.js';
import { forbidden } from '../../storage/apimachinery/errors.js';
import { spaceRoleBindingName } from '../account/rbac.js';
import { ACCOUNT_LABEL } from '../account/types.js';
import type { Account } from '../account/types.js';
import type { ManagedFieldsEntry, PreparedWrite, StoredApplyOptions, StoredDeleteOptions, StoredWriteOptions, WriteStrategy } from '../generic/strategy.js';
import type { RequestContext } from '../rest.js';
import type { WriteContext } from '../write-verbs.js';
import { AccountPlacement, SPACES } from './account-placement.js';
import type { NamespaceObject, SpaceBackend } from './backend.js';
import { completeCreate } from './complete-create.js';
import type { TemplateWaiter } from './complete-create.js';
import { namespaceToSpace } from './convert.js';
import { CreatesInFlight, SPACE_CREATOR_ANNOTATION, SPACE_PHASE_ANNOTATION, SPACE_PHASE_CREATING, withMarkOf } from './creating-mark.js';
import { namespaceApplyConfig, namespaceMetadataOf, newNamespace, serverAdditions, withIsolationLabels } from './namespace-of.js';
import { withIsolationAnnotations } from '../account/isolation.js';
import { spaceConflictText, spaceFieldPath } from './managed-fields.js';
import { ReservedMetadata, serverKeptRemoved } from './reserved-metadata.js';
import type { Space } from './types.js';

/** What the Space strategy reads from the access index. */
export interface SpaceIndex {
  object(collection: 'namespaces', name: string): { metadata: { resourceVersion?: string; uid?: string } } | undefined;
  isUserAllowed(user: Pick<UserInfo, 'username' | 'groups'>, name: string): boolean;
}

/**
 * Spaces stored as Namespaces, with Kiosk's rules: a user writes only the spaces they can see, and only as RBAC
 * on the namespace lets them; the account decides who may create (AccountPlacement) and what a new space gets
 * (completeCreate); moving a space between accounts moves its RoleBinding.
 */
export class SpaceStrategy implements WriteStrategy<Space, NamespaceObject> {
  readonly resource = SPACES;
  readonly kind = 'Space';
  /** kube-apiserver validates a Namespace, not a Space: its 422 passes through as it is. */
  readonly upstreamValidatesOurSchema = false;
  readonly conflictWording = { text: spaceConflictText, field: spaceFieldPath };
  private readonly placement: AccountPlacement;

  /** `creates` names this replica in the creating mark and tells the account controller which creates run here. */
  constructor(private readonly backend: SpaceBackend, private readonly index: SpaceIndex, private readonly templates?: TemplateWaiter,
    private readonly creates: CreatesInFlight = new CreatesInFlight(''), private readonly reserved = new ReservedMetadata()) {
    this.placement = new AccountPlacement(backend);
  }

  toView(ns: NamespaceObject): Space {
    return namespaceToSpace(ns);
  }

  /** The namespace behind a space the user can see, read live. */
  async get(ctx: RequestContext, name: string): Promise<NamespaceObject | undefined> {
    if (!this.index.isUserAllowed(ctx.user, name)) return undefined;
    return this.backend.getNamespace(name);
  }

  async authorize(ctx: RequestContext, verb: 'update' | 'delete', name: string): Promise<void> {
    const decision = await this.backend.authorize(ctx.user, { verb, resource: { group: '', version: 'v1', resource: 'namespaces', namespace: name, name } });
    if (!decision.allowed) {
      throw forbidden(SPACES, name, `User "${ctx.user.username}" cannot ${verb} resource "namespaces" in API group "" in the namespace "${name}"`);
    }
  }

  read(name: string): Promise<NamespaceObject | undefined> {
    return this.backend.getNamespace(name);
  }

  setManagedFields(name: string, managedFields: ManagedFieldsEntry[], resourceVersion: string): Promise<NamespaceObject> {
    return this.backend.patchNamespace(name, { metadata: { managedFields, resourceVersion } });
  }

  create(ns: NamespaceObject, options: StoredWriteOptions): Promise<NamespaceObject> {
    return this.backend.createNamespace(ns, options);
  }

  update(ns: NamespaceObject, options: StoredWriteOptions): Promise<NamespaceObject> {
    return this.backend.updateNamespace(ns, options);
  }

  apply(name: string, config: NamespaceObject, options: StoredApplyOptions): Promise<NamespaceObject> {
    return this.backend.applyNamespace(name, config, options);
  }

  applyConfig(space: Space): NamespaceObject {
    return namespaceApplyConfig(space);
  }

  /** What an apply did not write that the update would have: the labels of the account a space moves to. */
  async completeApply(applied: NamespaceObject, prepared: NamespaceObject, dryRun: boolean): Promise<NamespaceObject> {
    const patch = serverAdditions(applied, prepared);
    if (!patch) return applied;
    if (!dryRun) return this.backend.patchNamespace(applied.metadata.name, patch);
    const { labels, annotations } = patch.metadata;
    return { ...applied, metadata: { ...applied.metadata, labels: { ...applied.metadata.labels, ...labels }, annotations: { ...applied.metadata.annotations, ...annotations } } };
  }

  /** A Namespace always stays a while (Terminating, its `kubernetes` finalizer): the answer is that object. */
  delete(name: string, options: StoredDeleteOptions): Promise<NamespaceObject> {
    return this.backend.deleteNamespace(name, options);
  }

  showsCreated(ctx: RequestContext, name: string): boolean {
    return this.index.isUserAllowed(ctx.user, name);
  }

  showsUpdated(_ctx: RequestContext, name: string, stored: NamespaceObject): boolean {
    return this.index.object('namespaces', name)?.metadata.resourceVersion === stored.metadata.resourceVersion;
  }

  async prepareForCreate(ctx: WriteContext, space: Space): Promise<PreparedWrite<NamespaceObject>> {
    // The create handler has set the name (generated it, for generateName).
    const name = space.metadata.name ?? '';
    const account = await this.placement.accountFor(ctx, name, space.spec.account, 'create');
    // An entry without a template (or without a spec: the CRD does not require one) creates nothing.
    const mandatory = (account?.spec.space?.templateInstances ?? []).filter((entry: { spec?: { template?: string } }) => entry.spec?.template);
    // A namespace that will get mandatory templates is marked as being created until the tenant is bound:
    // if this request dies half-way, the account controller knows the namespace is not complete.
    const marked = mandatory.length > 0 && !ctx.dryRun;
    await this.guardReserved(ctx, name, {}, space.metadata, account);
    const ns = newNamespace(space, name, account);
    ns.metadata.annotations = withMarkOf(ns.metadata.annotations, marked
      ? { [SPACE_PHASE_ANNOTATION]: SPACE_PHASE_CREATING, [SPACE_CREATOR_ANNOTATION]: this.creates.identity } : undefined);
    this.creates.begin(name);
    const finish = () => { this.creates.end(name); };
    try {
      const release = account ? await this.placement.reserve(account, name, ctx.dryRun) : undefined;
      return {
        object: ns, release, finish,
        afterWrite: account
          ? () => completeCreate({ backend: this.backend, placement: this.placement, templates: this.templates }, name, account, mandatory, marked)
          : undefined,
      };
    } catch (err) {
      finish();
      throw err;
    }
  }

  async prepareForUpdate(ctx: WriteContext, current: NamespaceObject, space: Space): Promise<PreparedWrite<NamespaceObject>> {
    const name = current.metadata.name;
    const oldAccount = current.metadata.labels?.[ACCOUNT_LABEL] || undefined;
    const newAccountName = space.spec.account || undefined;
    const moving = oldAccount !== newAccountName;
    const account = moving ? await this.placement.accountFor(ctx, name, newAccountName, 'update')
      : newAccountName ? await this.backend.account(newAccountName) : undefined;
    const release = moving && account ? await this.placement.reserve(account, name, ctx.dryRun) : undefined;

    await this.guardReserved(ctx, name, current.metadata, space.metadata, account);
    const { labels: written, annotations: asked } = namespaceMetadataOf(space, moving ? account : undefined);
    // The account's isolation labels hold on every update, not only on a move: a tenant cannot lift them.
    const labels = withIsolationLabels(written, account);
    // The creating mark belongs to the create request and the account controller, not to the tenant; so do
    // the isolation annotations (the server's record of what it set).
    const annotations = withIsolationAnnotations(withMarkOf(asked, current.metadata.annotations), account, current.metadata.annotations, false);
    const object: NamespaceObject = {
      ...current,
      metadata: {
        ...current.metadata,
        labels, annotations,
        ownerReferences: space.metadata.ownerReferences,
        finalizers: space.metadata.finalizers,
      },
    };
    return {
      object, release,
      afterWrite: moving ? async () => {
        // Moving: the new account's subjects gain the space, then the old account's lose it; in this order a
        // subject of both never loses sight of it (a watch sees MODIFIED, not DELETED and ADDED).
        if (account) await this.placement.bind(name, account);
        if (oldAccount) await this.backend.deleteRoleBinding(name, spaceRoleBindingName(oldAccount));
        return undefined;
      } : undefined,
    };
  }

  /**
   * Refuses a request that sets, changes or removes labels or annotations under reserved prefixes (Pod Security
   * levels, the server's own keys), unless it asks for exactly what the account prescribes (its spaceTemplate, its
   * isolation) or the user may update every namespace (who could write the Namespace directly anyway). Judged on
   * what the client sent, not on what the server makes of it: a tenant asking for `enforce: privileged` is told no,
   * even where the account's level would win anyway. Refused rather than dropped: a dropped key is a silent
   * difference a GitOps tool re-applies forever; a 403 names the key once. The server's own bookkeeping (the
   * creating mark, the isolation annotations) is never the client's and is kept whatever the client sends.
   */
  private async guardReserved(ctx: WriteContext, name: string, current: Pick<NamespaceObject['metadata'], 'labels' | 'annotations'>,
    requested: Space['metadata'], account: Account | undefined): Promise<void> {
    const template = namespaceMetadataOf({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: {}, spec: {}, status: {} }, account);
    const prescribed = { labels: withIsolationLabels(template.labels, account), annotations: template.annotations };
    const changes = this.reserved.changes(
      { labels: current.labels, annotations: serverKeptRemoved(current.annotations) },
      { labels: requested.labels, annotations: serverKeptRemoved(requested.annotations) }, prescribed);
    if (changes.length === 0) return;
    const admin = await this.backend.authorize(ctx.user, { verb: 'update', resource: { group: '', version: 'v1', resource: 'namespaces' } });
    if (!admin.allowed) throw forbidden(SPACES, name, this.reserved.reason(changes));
  }

  unchanged(current: NamespaceObject, next: NamespaceObject): boolean {
    const written = (n: NamespaceObject) => JSON.stringify([n.metadata.labels ?? {}, n.metadata.annotations ?? {}, n.metadata.ownerReferences ?? [], n.metadata.finalizers ?? []]);
    return written(current) === written(next);
  }
}
