import type { Logger } from '../../storage/logger.js';
import type { ApplyTarget } from '../../storage/object-writer.js';
import { Workqueue } from '../../storage/workqueue.js';
import type { WorkqueueMetricsProvider } from '../../storage/workqueue.js';
import { canonicalJson } from '../../storage/apimachinery/canonical-json.js';
import type { EventSink } from '../events.js';
import { discardEvents, errorNote, referenceTo } from '../events.js';
import { spaceClusterRole } from './subjects.js';
import { accountClusterRole, accountClusterRoleBinding, accountName, rbacSubjects, spaceRoleBinding, spaceRoleBindingName } from './rbac.js';
import type { Account } from './types.js';
import { ACCOUNT_LABEL } from './types.js';
import { CREATE_DEADLINE_MS, creatingMark, SPACE_CREATOR_ANNOTATION, SPACE_PHASE_ANNOTATION } from '../space/creating-mark.js';
import { decideSpace } from './space-readiness.js';
import { PROTECTED_LABEL } from '../protection/protected-objects.js';
import { ISOLATION_POLICY_NAME, isolationNetworkPolicy, NETWORK_ISOLATION_ANNOTATION, NETWORK_ISOLATION_APPLIED, namespaceIsolationPatch, networkIsolated, podSecurityDrifted, podSecurityOf } from './isolation.js';

/** Writes the controller needs (implemented by storage/ObjectWriter). */
export interface AccountWriter {
  apply<T>(obj: ApplyTarget, plural: string): Promise<T>;
  patchStatus<T>(obj: ApplyTarget, plural: string, status: unknown): Promise<T>;
  remove(obj: ApplyTarget, plural: string, options?: { propagationPolicy?: string }): Promise<void>;
  /** A JSON merge patch (clearing the creating mark of a namespace). */
  patch<T>(obj: ApplyTarget, plural: string, patch: unknown): Promise<T>;
}

interface NetworkPolicyLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
}

interface RoleBindingLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  roleRef: { name: string };
  subjects?: unknown[] | null;
}

/** The informer-backed reads the controller needs. */
export interface AccountSource {
  account(name: string): Account | undefined;
  /** The RoleBindings the server made for an account's spaces (labelled with it), across namespaces. */
  roleBindingsOf(account: string): RoleBindingLike[];
  /** The namespaces labelled with an account (its spaces), sorted. */
  namespacesOf(account: string): string[];
  /** The account a namespace is labelled with. */
  accountOfNamespace(namespace: string): string | undefined;
  /** The TemplateInstances in a namespace, with the template each deploys and its status. */
  instancesIn(namespace: string): Array<{ spec?: { template?: string }; status?: { status?: string } }>;
  /** A namespace's creation time (ms), for the deadline of its create request. */
  namespaceCreated(namespace: string): number | undefined;
  /** A namespace as the informer has it: is it being deleted, and the reference of an Event about it. */
  namespace(name: string): { metadata: { name?: string; uid?: string; resourceVersion?: string; deletionTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined;
  /** A NetworkPolicy the server made (labelled app.kubernetes.io/name=kiosk), as the informer has it. */
  networkPolicy(namespace: string, name: string): NetworkPolicyLike | undefined;
  /** The NetworkPolicies the server made for an account (labelled with it), across namespaces. */
  networkPoliciesOf(account: string): NetworkPolicyLike[];
  /** The cluster-scoped RBAC objects as the informers have them, to skip writes that change nothing. */
  clusterRole(name: string): { rules?: unknown; metadata: { ownerReferences?: Array<{ uid?: unknown }> } } | undefined;
  clusterRoleBinding(name: string): { roleRef?: unknown; subjects?: unknown; metadata: { ownerReferences?: Array<{ uid?: unknown }> } } | undefined;
}

/** Whether the object already has the fields we would apply (and is owned by the account). */
function upToDate(current: { metadata: { ownerReferences?: Array<{ uid?: unknown }> } } & Record<string, unknown> | undefined,
  desired: Record<string, unknown>, fields: string[], ownerUid: string | undefined): boolean {
  if (!current || !current.metadata.ownerReferences?.some((o) => o.uid === ownerUid)) return false;
  return fields.every((f) => canonicalJson(current[f] ?? null) === canonicalJson(desired[f] ?? null));
}

/**
 * The annotation that opts an Account into deleting its spaces when it is deleted. Without it, spaces
 * outlive their account (Kiosk's behaviour, and the safe default).
 */
const DELETE_SPACES_ANNOTATION = 'kiosk.sh/delete-spaces-with-account';

/**
 * The finalizer an Account with that annotation carries, so that its spaces are deleted even when it is
 * deleted while no server runs: the Account waits, Terminating, until a leader has deleted them.
 */
const DELETE_SPACES_FINALIZER = 'kiosk.sh/delete-spaces';

/** Set to "false" on an Account to keep new mandatory templates from being added to its existing spaces. */
const TEMPLATE_ROLLOUT_ANNOTATION = 'kiosk.sh/template-rollout';

/** Whether the create request of a namespace carrying the creating mark is alive (see CreateLiveness). */
export interface CreateLiveness {
  /**
   * live: the create may still finish or undo itself, leave the namespace alone; recheckInMs: when to ask
   * again (nothing else may wake the controller for it).
   */
  isLive(namespace: string, creator: string, createdMs: number | undefined): Promise<{ live: boolean; recheckInMs?: number }>;
}

/** Without a better signal: a create is alive until its deadline. */
const deadlineLiveness: CreateLiveness = {
  isLive: (_ns, _creator, createdMs) => {
    const left = (createdMs ?? 0) + CREATE_DEADLINE_MS - Date.now();
    return Promise.resolve(left > 0 ? { live: true, recheckInMs: left + 1_000 } : { live: false });
  },
};

const clearMarkPatch = () => ({ metadata: { annotations: { [SPACE_PHASE_ANNOTATION]: null, [SPACE_CREATOR_ANNOTATION]: null } } });

/**
 * How long the old account's RoleBinding in a space that moved waits for the new account's (make before
 * break), and how often the old account looks again meanwhile. Past the wait it goes anyway: the new
 * account may not bind the space soon (its mandatory templates are not deployed yet), and the old
 * account's subjects must not keep a space that left it.
 */
const HANDOVER_WAIT_MS = 10_000;
const HANDOVER_RECHECK_MS = 250;

/** How long an apply of ours may take to reach the NetworkPolicy informer before a missing policy is someone's doing. */
const APPLY_SETTLE_MS = 5_000;

const npTarget = (namespace: string): ApplyTarget => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: ISOLATION_POLICY_NAME, namespace } });
const nsTarget = (name: string): ApplyTarget => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

const rbTarget = (namespace: string, name: string): ApplyTarget => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace } });

/**
 * Keeps, for every Account:
 * - a ClusterRole and ClusterRoleBinding letting its subjects read the tenancy API, owned by the Account
 *   (the garbage collector removes them with it);
 * - in each namespace labelled with it, the RoleBinding giving its subjects spec.space.clusterRole, with
 *   the current subjects and role (a changed role replaces the binding: roleRef is immutable); a
 *   namespace that leaves the account loses the binding, one that joins (adoption) gets it;
 * - in each of its namespaces, spec.isolation: the pod-security labels and the NetworkPolicy
 *   kiosk-account-isolation (isolation.ts), put back within seconds when someone changes them;
 * - status.namespaces;
 * - with the opt-in annotation, deletion of its spaces when the Account is deleted.
 * Runs from informer events through a de-duplicating workqueue. A failure is a Warning Event on the Account
 * (in `default`, for the admin) and, when it concerns one space, on that Namespace (in it, for the tenant);
 * one broken space does not keep the others from being reconciled.
 */
export class AccountController {
  private readonly queue: Workqueue;
  /** Accounts deleted with the opt-in annotation, whose spaces are to be deleted. */
  private readonly deletingSpacesOf = new Set<string>();
  /** Spaces that moved to another account, and since when their old account's binding waits for the new one's. */
  private readonly handovers = new Map<string, number>();
  /** When this controller last applied each space's isolation policy (see appliedRecently). */
  private readonly policyApplied = new Map<string, number>();

  constructor(private readonly source: AccountSource, private readonly writer: AccountWriter, private readonly log: Logger,
    private readonly events: EventSink = discardEvents, queueMetrics?: WorkqueueMetricsProvider,
    private readonly liveness: CreateLiveness = deadlineLiveness, private readonly now: () => number = Date.now) {
    this.queue = new Workqueue({ name: 'account', concurrency: 4, metrics: queueMetrics }, (key) => this.reconcile(key), log);
  }

  onAccount(account: Account): void {
    this.queue.add(accountName(account));
  }

  onAccountDeleted(account: Account): void {
    const name = accountName(account);
    if (account.metadata.annotations?.[DELETE_SPACES_ANNOTATION] === 'true') this.deletingSpacesOf.add(name);
    this.queue.add(name);
  }

  /** A namespace joined or left the account: that changes the account's bindings and status. */
  onSpacesChanged(account: string): void {
    this.queue.add(account);
  }

  /** A TemplateInstance's status decides whether its namespace may be bound: look at its account again. */
  onTemplateInstance(ti: { metadata: { namespace?: string } }): void {
    const account = ti.metadata.namespace ? this.source.accountOfNamespace(ti.metadata.namespace) : undefined;
    if (account) this.queue.add(account);
  }

  /** Owned RBAC objects that change or vanish are put back by reconciling their account. */
  onOwnedObject(obj: { metadata: { labels?: Record<string, string> } }): void {
    const account = obj.metadata.labels?.[ACCOUNT_LABEL];
    if (account && obj.metadata.labels?.['app.kubernetes.io/name'] === 'kiosk') this.queue.add(account);
  }

  start(): void {
    this.queue.start();
  }

  stop(): void {
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async reconcile(name: string): Promise<void> {
    const account = this.source.account(name);
    const cascade = account?.metadata.annotations?.[DELETE_SPACES_ANNOTATION] === 'true';
    const finalized = account?.metadata.finalizers?.includes(DELETE_SPACES_FINALIZER) ?? false;
    if (!account || account.metadata.deletionTimestamp) {
      if (account && finalized) {
        // Deleted while carrying our finalizer: delete the spaces (if it still asks for it), then let it go.
        if (cascade) await this.deleteSpaces(name);
        await this.setFinalizer(name, false);
      } else if (this.deletingSpacesOf.has(name)) {
        // Deleted before the finalizer was added (the annotation came just before the delete).
        await this.deleteSpaces(name);
      }
      this.deletingSpacesOf.delete(name);
      return;
    }
    if (cascade !== finalized) await this.setFinalizer(name, cascade);
    // Written only when they differ, so a restart of the server does not re-apply every account's RBAC.
    const role = accountClusterRole(account);
    if (!upToDate(this.source.clusterRole(role.metadata.name), role, ['rules'], account.metadata.uid)) {
      await this.reportingFailure(account, `Applying ClusterRole ${role.metadata.name}`, () => this.writer.apply(role, 'clusterroles'));
    }
    const binding = accountClusterRoleBinding(account);
    if (!upToDate(this.source.clusterRoleBinding(binding.metadata.name), binding, ['roleRef', 'subjects'], account.metadata.uid)) {
      await this.reportingFailure(account, `Applying ClusterRoleBinding ${binding.metadata.name}`, () => this.writer.apply(binding, 'clusterrolebindings'));
    }
    // Before the bindings: a space the controller binds (a create that died half-way) is isolated first, and
    // one whose isolation failed is not bound yet; the others' bindings go on, then the failure is retried.
    const isolation = await this.syncIsolation(name, account);
    await this.syncSpaces(name, account, isolation.unisolated);
    if (isolation.failure) throw isolation.failure;
    const namespaces = this.source.namespacesOf(name).map((n) => ({ name: n }));
    const current = account.status?.namespaces ?? [];
    if (JSON.stringify(current) !== JSON.stringify(namespaces)) {
      await this.writer.patchStatus({ apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name } }, 'accounts', { namespaces });
    }
  }

  /**
   * The RoleBinding of the account's subjects in each of its namespaces, and its mandatory templates there,
   * in that order of precedence: a namespace gets the binding only once its mandatory TemplateInstances are
   * Deployed (space-readiness.ts). A mandatory template added to an Account reaches existing spaces too
   * (opt out with the template-rollout annotation set to "false"). A namespace whose create request died
   * (server killed mid-create) is finished as the create would have finished it, or removed as the create
   * would have removed it.
   */
  private async syncSpaces(name: string, account: Account, unisolated: ReadonlySet<string>): Promise<void> {
    const rbName = spaceRoleBindingName(name);
    const role = spaceClusterRole(account);
    const subjects = rbacSubjects(account.spec.subjects);
    const spaces = new Set(this.source.namespacesOf(name));
    // RoleBindings are namespaced: every one the informer holds has a namespace.
    const existing = new Map(this.source.roleBindingsOf(name).flatMap((rb) =>
      (rb.metadata.name === rbName && rb.metadata.namespace !== undefined ? [[rb.metadata.namespace, rb] as const] : [])));
    const bindings = this.spaceFailures(account, 'RBACSyncFailed', 'Binding', 'RoleBindingFailed');
    const rollouts = this.spaceFailures(account, 'TemplateRolloutFailed', 'RollingOutTemplates');
    let revisitIn: number | undefined;
    for (const [namespace] of existing) {
      if (spaces.has(namespace) && role) continue;
      if (!spaces.has(namespace) && this.awaitsNewBinding(namespace, name)) {
        revisitIn = HANDOVER_RECHECK_MS;
        continue;
      }
      await bindings.inSpace(namespace, `Removing RoleBinding ${rbName} of account ${name}`, () => this.writer.remove(rbTarget(namespace, rbName), 'rolebindings'));
    }
    // An entry without a template (or without a spec: the CRD does not require one) creates nothing.
    const entries = (account.spec.space?.templateInstances ?? []).filter((e: { spec?: { template?: string } }) => e.spec?.template);
    const rollout = account.metadata.annotations?.[TEMPLATE_ROLLOUT_ANNOTATION] !== 'false';
    const instantiate = async (namespace: string, templates: string[]) => {
      for (const entry of entries.filter((e) => templates.includes(e.spec.template))) {
        const meta = entry.metadata ?? {};
        await rollouts.inSpace(namespace, `Instantiating template ${entry.spec.template} of account ${name}`, () => this.writer.apply({
          apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance',
          metadata: {
            name: meta.name ?? entry.spec.template, namespace,
            // Labelled protected: the tenant may not delete or change a mandatory instance (registry/protection/).
            labels: { ...meta.labels, [PROTECTED_LABEL]: 'true' }, ...(meta.annotations ? { annotations: meta.annotations } : {}),
          },
          spec: entry.spec,
        } as ApplyTarget, 'templateinstances'));
      }
    };
    for (const namespace of spaces) {
      const ns = this.source.namespace(namespace);
      if (!ns || ns.metadata.deletionTimestamp) continue;
      const mark = creatingMark(ns.metadata);
      const created = this.source.namespaceCreated(namespace);
      const create = mark ? await this.createOf(namespace, mark.creator, created) : undefined;
      const decision = decideSpace({
        mandatory: entries.map((e) => e.spec.template),
        instances: entries.length === 0 ? [] : this.source.instancesIn(namespace).map((ti) => ({ template: ti.spec?.template, status: ti.status?.status })),
        mark, create, bound: existing.has(namespace), rollout,
      });
      switch (decision.kind) {
        case 'wait':
          if (decision.recheckInMs !== undefined) revisitIn = Math.min(revisitIn ?? Infinity, decision.recheckInMs);
          this.log.v(4).info('space not bound yet', { account: name, namespace, why: decision.why });
          break;
        case 'complete':
          await instantiate(namespace, decision.instantiate);
          break;
        case 'delete':
          this.log.info('removing a space whose create died', { account: name, namespace, why: decision.why });
          this.warn(referenceTo('config.kiosk.sh/v1alpha1', 'Account', account.metadata), 'SpaceCreateAbandoned', 'Deleting',
            `Deleting space ${namespace}: ${decision.why}`);
          await bindings.inSpace(namespace, `Deleting space ${namespace} of account ${name}`,
            () => this.writer.remove({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 'namespaces', { propagationPolicy: 'Background' }));
          break;
        case 'bind': {
          if (!existing.has(namespace) && unisolated.has(namespace)) {
            this.log.v(4).info('space not bound yet', { account: name, namespace, why: 'its isolation is not in place' });
            break;
          }
          await instantiate(namespace, decision.instantiate);
          const rb = existing.get(namespace);
          if (role && !(rb && rb.roleRef.name === role && canonicalJson(rb.subjects ?? []) === canonicalJson(subjects))) {
            await bindings.inSpace(namespace, `Binding the subjects of account ${name} to ClusterRole ${role}`, async () => {
              if (rb && rb.roleRef.name !== role) await this.writer.remove(rbTarget(namespace, rbName), 'rolebindings');
              await this.writer.apply(spaceRoleBinding(account, namespace, role), 'rolebindings');
            });
          }
          if (decision.clearMark) {
            // Only after the binding: the mark is what keeps another reconcile from judging it complete.
            await bindings.inSpace(namespace, `Finishing the create of space ${namespace}`,
              () => this.writer.patch({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 'namespaces', clearMarkPatch()));
            this.log.info('finished the create of a space', { account: name, namespace });
          }
          break;
        }
      }
    }
    if (revisitIn !== undefined) this.queue.addAfter(name, Math.max(revisitIn, 100));
    // Both reported (a Warning each), then the first thrown for the retry.
    const failures = [bindings.report(`RoleBinding ${rbName}`), rollouts.report('Template roll-out')];
    const failure = failures.find((f) => f !== undefined);
    if (failure) throw failure;
  }

  /**
   * spec.isolation in every space of the account (isolation.ts): the NetworkPolicy applied or removed, then
   * the namespace's pod-security labels and isolation annotations patched to match, with a Normal Event on
   * the namespace when that repairs someone's change. The policy also leaves a space that left the account,
   * unless the space's new account keeps one there (it rewrites it as its own: no moment without).
   */
  private async syncIsolation(name: string, account: Account): Promise<{ unisolated: Set<string>; failure?: Error }> {
    const failures = this.spaceFailures(account, 'IsolationSyncFailed', 'Isolating');
    const unisolated = new Set<string>();
    for (const namespace of this.source.namespacesOf(name)) {
      const ns = this.source.namespace(namespace);
      if (!ns || ns.metadata.deletionTimestamp) continue;
      await failures.inSpace(namespace, `Isolating space ${namespace} of account ${name}`, async () => {
        try {
          await this.isolateSpace(account, namespace, ns.metadata);
        } catch (err) {
          unisolated.add(namespace);
          throw err;
        }
      });
    }
    for (const policy of this.source.networkPoliciesOf(name)) {
      const namespace = policy.metadata.namespace;
      if (namespace === undefined || policy.metadata.name !== ISOLATION_POLICY_NAME || this.terminating(namespace)) continue;
      const to = this.source.accountOfNamespace(namespace);
      if (to === name || (to !== undefined && networkIsolated(this.source.account(to)))) continue;
      await failures.inSpace(namespace, `Removing NetworkPolicy ${ISOLATION_POLICY_NAME} of account ${name}`, async () => {
        await this.writer.remove(npTarget(namespace), 'networkpolicies');
        // A space in no account any more: its network annotation would claim a policy that is gone.
        if (to === undefined) {
          const meta = this.source.namespace(namespace)?.metadata ?? {};
          if (meta.annotations?.[NETWORK_ISOLATION_ANNOTATION] !== undefined) {
            await this.writer.patch(nsTarget(namespace), 'namespaces', { metadata: { annotations: { [NETWORK_ISOLATION_ANNOTATION]: null } } });
          }
        }
      });
    }
    return { unisolated, failure: failures.report('Isolation') };
  }

  private async isolateSpace(account: Account, namespace: string, meta: { name?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> }): Promise<void> {
    const repaired: string[] = [];
    const current = this.source.networkPolicy(namespace, ISOLATION_POLICY_NAME);
    const policyInPlace = networkIsolated(account);
    if (policyInPlace) {
      const desired = isolationNetworkPolicy(account, namespace);
      const same = current !== undefined && canonicalJson(current.spec ?? null) === canonicalJson(desired.spec)
        && Object.entries(desired.metadata.labels).every(([k, v]) => current.metadata.labels?.[k] === v);
      if (!same) {
        // Our own apply of a moment ago may not have reached the informer yet: that is no one's change.
        if (meta.annotations?.[NETWORK_ISOLATION_ANNOTATION] === NETWORK_ISOLATION_APPLIED && !this.appliedRecently(namespace)) {
          repaired.push(current ? `NetworkPolicy ${ISOLATION_POLICY_NAME} was changed` : `NetworkPolicy ${ISOLATION_POLICY_NAME} was deleted`);
        }
        await this.writer.apply(desired, 'networkpolicies');
        this.policyApplied.set(namespace, this.now());
      }
    } else if (current?.metadata.labels?.['app.kubernetes.io/name'] === 'kiosk') {
      await this.writer.remove(npTarget(namespace), 'networkpolicies');
    }
    const level = podSecurityOf(account);
    if (podSecurityDrifted(meta, level)) repaired.push(`pod-security labels were changed (restored to ${String(level)})`);
    const patch = namespaceIsolationPatch(meta, level, policyInPlace);
    if (patch) await this.writer.patch(nsTarget(namespace), 'namespaces', patch);
    if (repaired.length > 0) {
      this.log.info('repaired the isolation of a space', { account: accountName(account), namespace, what: repaired });
      this.events.record({
        regarding: referenceTo('v1', 'Namespace', { ...meta, name: namespace }), type: 'Normal', reason: 'IsolationRepaired', action: 'Isolating',
        note: `Restored the isolation of account ${accountName(account)}: ${repaired.join('; ')}`,
      });
    }
  }

  /** Whether this controller applied the space's policy within the last few seconds (see isolateSpace). */
  private appliedRecently(namespace: string): boolean {
    const at = this.policyApplied.get(namespace);
    if (at === undefined) return false;
    if (this.now() - at < APPLY_SETTLE_MS) return true;
    this.policyApplied.delete(namespace);
    return false;
  }

  /**
   * Whether the old account's binding in a space that moved to another account stays a little longer: until
   * the new account has bound it, so that a subject of both never loses the space on the way (a watch would
   * see it DELETED and ADDED again). Only while the new account will bind it, and at most HANDOVER_WAIT_MS.
   */
  private awaitsNewBinding(namespace: string, from: string): boolean {
    const to = this.source.accountOfNamespace(namespace);
    const next = to === undefined || to === from ? undefined : this.source.account(to);
    const bound = to !== undefined && this.source.roleBindingsOf(to)
      .some((rb) => rb.metadata.namespace === namespace && rb.metadata.name === spaceRoleBindingName(to));
    if (!next || next.metadata.deletionTimestamp || !spaceClusterRole(next) || bound) {
      this.handovers.delete(namespace);
      return false;
    }
    const since = this.handovers.get(namespace) ?? this.now();
    this.handovers.set(namespace, since);
    if (this.now() - since < HANDOVER_WAIT_MS) return true;
    this.handovers.delete(namespace);
    return false;
  }

  /** Whether a marked namespace's create runs; when that cannot be told (kube-apiserver unreachable), it may. */
  private async createOf(namespace: string, creator: string, created: number | undefined): Promise<{ live: boolean; recheckInMs?: number }> {
    try {
      return await this.liveness.isLive(namespace, creator, created);
    } catch (err) {
      this.log.error('could not tell whether a space create still runs', err, { namespace, creator });
      return { live: true, recheckInMs: 5_000 };
    }
  }

  private async deleteSpaces(account: string): Promise<void> {
    for (const ns of this.source.namespacesOf(account)) {
      if (this.terminating(ns)) continue;
      await this.writer.remove({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'namespaces', { propagationPolicy: 'Background' });
    }
  }

  /**
   * Adds or removes our finalizer by server-side apply of just that list entry (finalizers are a set, so
   * other owners' entries stay as they are).
   */
  private async setFinalizer(account: string, present: boolean): Promise<void> {
    await this.writer.apply({
      apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account',
      metadata: { name: account, finalizers: present ? [DELETE_SPACES_FINALIZER] : [] },
    } as ApplyTarget, 'accounts');
  }

  /**
   * A namespace being deleted takes no new objects (kube-apiserver refuses them), and its binding is going
   * with it: writing there would only fail, and warn of a failure no one needs to act on.
   */
  private terminating(namespace: string): boolean {
    return Boolean(this.source.namespace(namespace)?.metadata.deletionTimestamp);
  }

  private warn(regarding: ReturnType<typeof referenceTo>, reason: string, action: string, note: string): void {
    this.events.record({ regarding, type: 'Warning', reason, action, note });
  }

  /** Runs one write of the account's; a failure is a Warning on the Account, then rethrown for the retry. */
  private async reportingFailure(account: Account, what: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.warn(referenceTo('config.kiosk.sh/v1alpha1', 'Account', account.metadata), 'RBACSyncFailed', 'SyncingRBAC', `${what} failed: ${errorNote(err)}`);
      throw err;
    }
  }

  /**
   * Collects the failures of per-space writes: each is a Warning on its Namespace at once (reason
   * `spaceReason`); report() then makes one Warning on the Account (reason `accountReason`) naming the
   * spaces, and returns the error to throw so the workqueue retries the account with backoff.
   */
  private spaceFailures(account: Account, accountReason: string, action: string, spaceReason = accountReason) {
    const failed: Array<{ namespace: string; note: string }> = [];
    return {
      inSpace: async (namespace: string, what: string, write: () => Promise<unknown>): Promise<void> => {
        try {
          await write();
        } catch (err) {
          const note = `${what} failed: ${errorNote(err)}`;
          const ns = this.source.namespace(namespace)?.metadata ?? {};
          this.warn(referenceTo('v1', 'Namespace', { ...ns, name: namespace }), spaceReason, action, note);
          failed.push({ namespace, note });
        }
      },
      report: (what: string): Error | undefined => {
        const [first] = failed;
        if (!first) return undefined;
        const spaces = failed.map((f) => f.namespace);
        const named = spaces.length > 5 ? `${spaces.slice(0, 5).join(', ')}, ...` : spaces.join(', ');
        const note = `${what} failed in ${spaces.length} space(s) (${named}); ${first.namespace}: ${first.note}`;
        this.warn(referenceTo('config.kiosk.sh/v1alpha1', 'Account', account.metadata), accountReason, action, note);
        return new Error(note);
      },
    };
  }
}
