import { KubeApiError } from '../../storage/client.js';
import { upstreamClientError } from '../generic/upstream-errors.js';
import type { UserInfo } from '../../storage/user-info.js';
import { spaceRoleBinding, spaceRoleBindingName } from '../account/rbac.js';
import type { Account } from '../account/types.js';
import { ACCOUNT_LABEL } from '../account/types.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import { alreadyExists, conflict, forbidden, invalid, notFound, StatusError } from '../../storage/apimachinery/errors.js';
import type { RequestContext } from '../rest.js';
import type { DeleteOptions, WriteContext } from '../write-verbs.js';
import { READ_YOUR_WRITES_MS } from '../write-verbs.js';
import { isAccountMember, spaceClusterRole } from '../account/subjects.js';
import type { NamespaceObject, SpaceBackend } from './backend.js';
import { namespaceToSpace } from './convert.js';
import type { NamespaceLike } from './convert.js';
import { namespaceMetadataOf, newNamespace } from './namespace-of.js';
import type { Space } from './types.js';
import { CreatesInFlight, SPACE_CREATOR_ANNOTATION, SPACE_PHASE_ANNOTATION, SPACE_PHASE_CREATING, withMarkOf } from './creating-mark.js';

export const SPACES: GroupResource = { group: 'tenancy.kiosk.sh', resource: 'spaces' };
/** Kiosk words its create denial with the singular resource; the walkthrough shows exactly that message. */
const SPACE_SINGULAR: GroupResource = { group: 'tenancy.kiosk.sh', resource: 'space' };
const OPTIMISTIC_LOCK = 'the object has been modified; please apply your changes to the latest version and try again';

/** Waiting for a space's mandatory TemplateInstances (the TemplateInstance controller). */
export interface TemplateWaiter {
  waitForDeployed(namespace: string, names: string[], timeoutMs: number): Promise<
    { ok: true } | { ok: false; name: string; reason: string; message: string } | { ok: false; timeout: true }>;
}

/** Kiosk waits a minute for mandatory templates before it gives up on a space. */
const TEMPLATE_WAIT_MS = 60_000;

/** What the writer reads back from the access index. */
export interface SpaceIndex {
  object(collection: 'namespaces', name: string): { metadata: { resourceVersion?: string; uid?: string } } | undefined;
  isCurrent(collection: 'namespaces', name: string, resourceVersion: string): boolean;
  isUserAllowed(user: Pick<UserInfo, 'username' | 'groups'>, name: string): boolean;
  waitFor(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

function fromKube(err: unknown, name: string): unknown {
  if (!(err instanceof KubeApiError)) return err;
  if (err.statusCode === 409 && err.reason === 'AlreadyExists') return alreadyExists(SPACES, name);
  if (err.statusCode === 409) return conflict(SPACES, name, OPTIMISTIC_LOCK);
  if (err.statusCode === 404) return notFound(SPACES, name);
  return upstreamClientError(err) ?? err;
}

/**
 * Creating, changing and deleting Spaces, with Kiosk's rules fixed: membership or namespace-creation
 * rights decide who may create in an account; the space limit holds under concurrency (reserved on a
 * Lease across replicas); nothing half-made stays behind; moving a space between accounts moves its
 * RoleBinding. Writes to kube-apiserver use the server's own identity, after the checks below.
 */
export class SpaceWriter {
  /** `creates` names this replica in the creating mark and tells the account controller which creates run here. */
  constructor(private readonly backend: SpaceBackend, private readonly index: SpaceIndex, private readonly templates?: TemplateWaiter,
    private readonly creates: CreatesInFlight = new CreatesInFlight('')) {}

  private async mayCreateNamespaces(user: UserInfo): Promise<boolean> {
    const decision = await this.backend.authorize(user, { verb: 'create', resource: { group: '', version: 'v1', resource: 'namespaces' } });
    return decision.allowed;
  }

  private async mayOnNamespace(user: UserInfo, verb: string, name: string): Promise<boolean> {
    const decision = await this.backend.authorize(user, { verb, resource: { group: '', version: 'v1', resource: 'namespaces', namespace: name, name } });
    return decision.allowed;
  }

  /** The account a user may put a space in, or the error they get. Admins may use any existing account. */
  private async accountFor(ctx: RequestContext, name: string, accountName: string | undefined, verb: 'create' | 'update'): Promise<Account | undefined> {
    const user = ctx.user;
    if (!accountName) {
      if (await this.mayCreateNamespaces(user)) return undefined;
      throw invalid('Space', 'tenancy.kiosk.sh', name, [{
        field: 'spec.account', type: 'FieldValueRequired',
        detail: 'Required value: the account the space belongs to (only users who may create namespaces can omit it)',
      }]);
    }
    const account = await this.backend.account(accountName);
    if (account && isAccountMember(user, account)) return account;
    if (!(await this.mayCreateNamespaces(user))) {
      throw forbidden(SPACE_SINGULAR, name, `User "${user.username}" cannot ${verb} resource "spaces" in API group "tenancy.kiosk.sh" at the cluster scope`);
    }
    if (!account) {
      throw invalid('Space', 'tenancy.kiosk.sh', name, [{ field: 'spec.account', type: 'FieldValueNotFound', detail: `Not found: ${JSON.stringify(accountName)}` }]);
    }
    return account;
  }

  private async reserve(account: Account, space: string, dryRun: boolean): Promise<boolean> {
    const limit = account.spec.space?.limit;
    if (limit === undefined || limit === null) return false;
    const outcome = await this.backend.reserveSpace(account.metadata.name!, space, limit, dryRun);
    if (!outcome.ok) throw forbidden(SPACES, space, `space limit of ${limit} reached for account ${account.metadata.name}`);
    return !dryRun;
  }

  /** The RoleBinding giving the account's subjects its space ClusterRole in the namespace, owned by the Account. */
  private async bindAccount(namespace: string, account: Account, dryRun: boolean): Promise<void> {
    const role = spaceClusterRole(account);
    if (!role) return;
    try {
      await this.backend.applyRoleBinding(spaceRoleBinding(account, namespace, role), dryRun);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 403) {
        throw forbidden(SPACES, namespace, `the kiosk server may not bind ClusterRole "${role}" for account ${account.metadata.name}: ${err.status?.message ?? err.message}`);
      }
      throw err;
    }
  }

  async create(ctx: WriteContext, space: Space): Promise<Space> {
    const name = space.metadata.name!;
    const account = await this.accountFor(ctx, name, space.spec.account, 'create');
    const mandatory = (account?.spec.space?.templateInstances ?? []).filter((entry) => entry.spec?.template);
    // A namespace that will get mandatory templates is marked as being created until the tenant is bound:
    // if this request dies half-way, the account controller knows the namespace is not complete.
    const marked = mandatory.length > 0 && !ctx.dryRun;
    const ns = newNamespace(space, name, account);
    ns.metadata.annotations = withMarkOf(ns.metadata.annotations, marked
      ? { [SPACE_PHASE_ANNOTATION]: SPACE_PHASE_CREATING, [SPACE_CREATOR_ANNOTATION]: this.creates.identity } : undefined);
    this.creates.begin(name);
    try {
      return await this.createMarked(ctx, name, ns, account, mandatory, marked);
    } finally {
      this.creates.end(name);
    }
  }

  private async createMarked(ctx: WriteContext, name: string, ns: NamespaceObject, account: Account | undefined,
    mandatory: NonNullable<NonNullable<Account['spec']['space']>['templateInstances']>, marked: boolean): Promise<Space> {
    const reserved = account ? await this.reserve(account, name, ctx.dryRun) : false;
    let created: NamespaceObject;
    try {
      created = await this.backend.createNamespace(ns, ctx.dryRun);
    } catch (err) {
      throw fromKube(err, name);
    } finally {
      // Once the namespace exists the live count includes it; if it failed, the slot is free again.
      if (reserved) await this.backend.releaseSpace(account!.metadata.name!, name);
    }
    if (ctx.dryRun) return namespaceToSpace(created as NamespaceLike);
    if (account) {
      try {
        // Mandatory templates first: the tenant gets access only to a space that already has them.
        const instances: string[] = [];
        for (const entry of mandatory) {
          const meta = entry.metadata ?? {};
          instances.push(await this.backend.createTemplateInstance({
            apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance',
            metadata: {
              ...(meta.name ? { name: meta.name } : { generateName: meta.generateName ?? `${entry.spec!.template}-` }),
              namespace: name, ...(meta.labels ? { labels: meta.labels } : {}), ...(meta.annotations ? { annotations: meta.annotations } : {}),
            },
            spec: entry.spec!,
          }, false));
        }
        if (instances.length > 0 && this.templates) {
          const outcome = await this.templates.waitForDeployed(name, instances, TEMPLATE_WAIT_MS);
          if (!outcome.ok) {
            throw new Error('timeout' in outcome ? 'timed out waiting for the condition'
              : `TemplateInstance '${outcome.name}' failed with ${outcome.reason}: ${outcome.message}`);
          }
        }
        await this.bindAccount(name, account, false);
        // Last: the space is complete. Until this write lands, a crash leaves it to the account controller.
        if (marked) created = await this.backend.patchNamespace(name, { metadata: { annotations: { [SPACE_PHASE_ANNOTATION]: null, [SPACE_CREATOR_ANNOTATION]: null } } });
      } catch (err) {
        // No namespace without its RoleBinding and templates: undo, then say why.
        await this.backend.deleteNamespace(name, { dryRun: false, propagationPolicy: 'Background' }).catch(() => undefined);
        if (err instanceof StatusError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        throw new StatusError(500, 'InternalError', `Internal error occurred: ${message}`,
          { name, group: SPACES.group, kind: SPACES.resource, causes: [{ message }] });
      }
    }
    await this.index.waitFor(() => this.index.isUserAllowed(ctx.user, name), READ_YOUR_WRITES_MS, ctx.signal);
    return namespaceToSpace(created as NamespaceLike);
  }

  /** The namespace behind a space the user can see, read live, or 404. */
  private async visibleNamespace(ctx: RequestContext, name: string): Promise<NamespaceObject> {
    if (!this.index.isUserAllowed(ctx.user, name)) throw notFound(SPACES, name);
    const ns = await this.backend.getNamespace(name);
    if (!ns) throw notFound(SPACES, name);
    return ns;
  }

  private async requireOnNamespace(ctx: RequestContext, verb: string, name: string): Promise<void> {
    if (!(await this.mayOnNamespace(ctx.user, verb, name))) {
      throw forbidden(SPACES, name, `User "${ctx.user.username}" cannot ${verb} resource "namespaces" in API group "" in the namespace "${name}"`);
    }
  }

  async update(ctx: WriteContext, name: string, space: Space, verb: 'update' | 'patch' = 'update'): Promise<Space> {
    const current = await this.visibleNamespace(ctx, name);
    await this.requireOnNamespace(ctx, verb, name);
    const rv = space.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion && !this.index.isCurrent('namespaces', name, rv)) {
      throw conflict(SPACES, name, OPTIMISTIC_LOCK);
    }
    if (space.metadata.uid && space.metadata.uid !== current.metadata.uid) {
      throw invalid('Space', 'tenancy.kiosk.sh', name, [{ field: 'metadata.uid', type: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(space.metadata.uid)}: field is immutable` }]);
    }
    const oldAccount = current.metadata.labels?.[ACCOUNT_LABEL] || undefined;
    const newAccountName = space.spec.account || undefined;
    const moving = oldAccount !== newAccountName;
    const account = moving ? await this.accountFor(ctx, name, newAccountName, 'update')
      : newAccountName ? await this.backend.account(newAccountName) : undefined;
    const reserved = moving && account ? await this.reserve(account, name, ctx.dryRun) : false;

    const { labels, annotations: asked } = namespaceMetadataOf(space, moving ? account : undefined);
    // The creating mark belongs to the create request and the account controller, not to the tenant.
    const annotations = withMarkOf(asked, current.metadata.annotations);
    const next: NamespaceObject = {
      ...current,
      metadata: {
        ...current.metadata,
        labels, annotations,
        ownerReferences: space.metadata.ownerReferences,
        finalizers: space.metadata.finalizers,
      },
    };
    if (sameMetadata(current, next)) return namespaceToSpace(current as NamespaceLike);
    let updated: NamespaceObject;
    try {
      updated = await this.backend.updateNamespace(next, ctx.dryRun);
    } catch (err) {
      throw fromKube(err, name);
    } finally {
      if (reserved) await this.backend.releaseSpace(account!.metadata.name!, name);
    }
    if (!ctx.dryRun && moving) {
      // Moving: the old account's subjects lose the space, the new account's gain it.
      if (oldAccount) await this.backend.deleteRoleBinding(name, spaceRoleBindingName(oldAccount));
      if (account) await this.bindAccount(name, account, false);
    }
    if (!ctx.dryRun) {
      const target = updated.metadata.resourceVersion;
      await this.index.waitFor(() => this.index.object('namespaces', name)?.metadata.resourceVersion === target, READ_YOUR_WRITES_MS, ctx.signal);
    }
    return namespaceToSpace(updated as NamespaceLike);
  }

  async delete(ctx: WriteContext, name: string, options: DeleteOptions): Promise<Space> {
    const current = await this.visibleNamespace(ctx, name);
    await this.requireOnNamespace(ctx, 'delete', name);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw conflict(SPACES, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion && !this.index.isCurrent('namespaces', name, pre.resourceVersion)) {
      throw conflict(SPACES, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    try {
      const deleted = await this.backend.deleteNamespace(name, {
        dryRun: options.dryRun, propagationPolicy: options.propagationPolicy, uid: current.metadata.uid,
        ...(pre.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
      });
      return namespaceToSpace(deleted as NamespaceLike);
    } catch (err) {
      throw fromKube(err, name);
    }
  }
}

function sameMetadata(a: NamespaceObject, b: NamespaceObject): boolean {
  const pick = (n: NamespaceObject) => JSON.stringify([n.metadata.labels ?? {}, n.metadata.annotations ?? {}, n.metadata.ownerReferences ?? [], n.metadata.finalizers ?? []]);
  return pick(a) === pick(b);
}
