// Adapters between the informers and the registry's controllers and admission: which events reach which
// controller, and the reads each is given. No logic of its own: indexes live in storage/indexes.
import type { AccountController } from '../registry/account/controller.js';
import { isolationMetadataChanged } from '../registry/account/isolation.js';
import type { Account } from '../registry/account/types.js';
import { ACCOUNT_LABEL } from '../registry/account/types.js';
import type { AdmissionRequest } from '../registry/admission.js';
import type { QuotaLedger } from '../registry/accountquota/admission.js';
import { AccountQuotaAdmission, RESERVATION_TTL_MS, validateAccountQuota } from '../registry/accountquota/admission.js';
import type { VisibleObserver } from '../registry/accountquota/admission.js';
import type { QuotaStatusWriter } from '../registry/accountquota/controller.js';
import { AccountQuotaController } from '../registry/accountquota/controller.js';
import { kindsCountedBy } from '../registry/accountquota/counted-kinds.js';
import type { AccountQuota } from '../registry/accountquota/types.js';
import type { EventSink } from '../registry/events.js';
import { UsageIndex } from '../registry/accountquota/usage-index.js';
import { PolicyAdmission } from '../registry/policy/admission.js';
import type { TemplateBackend } from '../registry/template/controller.js';
import { TemplateInstanceController } from '../registry/template/controller.js';
import type { Template, TemplateInstance } from '../registry/template/types.js';
import type { ClusterInformers } from '../storage/informers/cluster-informers.js';
import type { Informer, KubeObject } from '../storage/informers/informer.js';
import type { ResourceInformers } from '../storage/informers/resource-informers.js';
import type { LabelIndex } from '../storage/indexes/label-index.js';
import type { Logger } from '../storage/logger.js';
import type { WorkqueueMetricsProvider } from '../storage/workqueue.js';

/**
 * What an informer of a registry type's collection holds: that type, with the metadata every informed
 * object has. The type argument is the one place the collection's schema is asserted, as the type
 * argument of a KubeClient request is for one object.
 */
export type Informed<T> = T & KubeObject;

/** The config.kiosk.sh Accounts, as the accounts informer holds them. */
export type InformedAccount = Informed<Account<'config.kiosk.sh/v1alpha1'>>;

// The CRDs require no spec: an object an informer holds may lack it, whatever the registry's types say.
const accountOfQuota = (q: { spec?: { account?: string } }) => q.spec?.account;
const hardOfQuota = (q: { spec?: { quota?: { hard?: Record<string, unknown> | null } } }) => q.spec?.quota?.hard ?? {};
const templateOfInstance = (ti: { spec?: { template?: string } }) => ti.spec?.template;

/**
 * Routes the informer events the account controller reacts to: its Accounts, namespaces joining or
 * leaving an account (from the index of namespaces by account), a space's isolation labels or annotations
 * changing, and the RBAC objects and NetworkPolicies it owns.
 */
export function wireAccountController(informers: ClusterInformers<InformedAccount>, namespacesByAccount: LabelIndex<KubeObject>,
  networkPolicies: Informer<KubeObject>, controller: AccountController): void {
  informers.accounts.addHandlers({
    onAdd: (o) => { controller.onAccount(o); },
    onUpdate: (_b, o) => { controller.onAccount(o); },
    onDelete: (o) => { controller.onAccountDeleted(o); },
  });
  namespacesByAccount.onMove((_namespace, from, to) => {
    if (from) controller.onSpacesChanged(from);
    if (to) controller.onSpacesChanged(to);
  });
  informers.namespaces.addHandlers({
    onUpdate: (before, ns) => {
      const account = ns.metadata.labels?.[ACCOUNT_LABEL];
      if (account && isolationMetadataChanged(before.metadata, ns.metadata)) controller.onSpacesChanged(account);
    },
  });
  for (const informer of [informers.clusterRoles, informers.clusterRoleBindings, informers.roleBindings, networkPolicies]) {
    informer.addHandlers({ onUpdate: (_b, o) => { controller.onOwnedObject(o); }, onDelete: (o) => { controller.onOwnedObject(o); } });
  }
}

/** A TemplateInstance's status decides when its space may be bound: the account controller hears of it. */
export function wireInstancesToAccounts(instances: Informer<Informed<TemplateInstance>>, controller: AccountController): void {
  instances.addHandlers({
    onAdd: (o) => { controller.onTemplateInstance(o); },
    onUpdate: (_b, o) => { controller.onTemplateInstance(o); },
    onDelete: (o) => { controller.onTemplateInstance(o); },
  });
}

/** The pieces of AccountQuota, built over the informers: usage index, controller, admission. */
export function buildAccountQuotas(deps: {
  quotaInformer: Informer<Informed<AccountQuota>>;
  resources: ResourceInformers;
  namespaces: Informer<KubeObject>;
  namespacesOf: (account: string) => string[];
  ledger: QuotaLedger;
  writer: QuotaStatusWriter;
  log: Logger;
  queueMetrics?: WorkqueueMetricsProvider;
  /** Observes how long after a reservation was written the informers saw its object. */
  reservationVisible?: VisibleObserver;
}) {
  const usage = new UsageIndex();
  const quotasOf = (account: string) => deps.quotaInformer.list().filter((q) => accountOfQuota(q) === account);
  const accountOfNamespace = (ns: string) => deps.namespaces.get(ns)?.metadata.labels?.[ACCOUNT_LABEL] || undefined;
  const controller = new AccountQuotaController({
    quota: (name) => deps.quotaInformer.get(name),
    quotasOf, namespacesOf: deps.namespacesOf, usage,
  }, deps.writer, deps.log.with({ controller: 'accountquota' }), deps.queueMetrics);

  const ensureKinds = (q: AccountQuota) => Promise.all(kindsCountedBy(Object.keys(hardOfQuota(q))).map((k) => deps.resources.ensure(k)));
  const onQuota = (q: AccountQuota) => {
    void ensureKinds(q);
    controller.onQuota(q);
  };
  deps.quotaInformer.addHandlers({ onAdd: onQuota, onUpdate: (_b, o) => { onQuota(o); } });
  deps.resources.onEvent((kind) => ({
    onAdd: (o) => { usage.set(kind, o); controller.onAccountChanged(accountOfNamespace(o.metadata.namespace ?? '')); },
    onUpdate: (_b, o) => { usage.set(kind, o); controller.onAccountChanged(accountOfNamespace(o.metadata.namespace ?? '')); },
    onDelete: (o) => { usage.delete(kind, o); controller.onAccountChanged(accountOfNamespace(o.metadata.namespace ?? '')); },
  }));
  deps.namespaces.addHandlers({
    onAdd: (ns) => { controller.onAccountChanged(ns.metadata.labels?.[ACCOUNT_LABEL]); },
    onUpdate: (before, ns) => {
      const [a, b] = [before.metadata.labels?.[ACCOUNT_LABEL], ns.metadata.labels?.[ACCOUNT_LABEL]];
      if (a !== b) {
        controller.onAccountChanged(a);
        controller.onAccountChanged(b);
      }
    },
    onDelete: (ns) => { controller.onAccountChanged(ns.metadata.labels?.[ACCOUNT_LABEL]); },
  });

  const countedKindsSynced = async (kinds: Array<{ group: string; resource: string }>) => {
    const informers = await Promise.all(kinds.map((k) => deps.resources.ensure(k)));
    const waits = informers.filter((i) => i !== undefined).map((i) => i.waitForSync());
    return Promise.race([Promise.all(waits).then(() => true), new Promise<boolean>((r) => setTimeout(() => { r(false); }, 5_000).unref())]);
  };
  const admission = new AccountQuotaAdmission({ accountOfNamespace, namespacesOf: deps.namespacesOf, quotasOf, countedKindsSynced, usage }, deps.ledger, deps.reservationVisible);
  let prune: NodeJS.Timeout | undefined;
  return {
    controller,
    hooks: {
      accountquota: (r: AdmissionRequest) => admission.admit(r),
      'validate-accountquota': (r: AdmissionRequest) => Promise.resolve(validateAccountQuota(r)),
    },
    start: () => {
      // Reservations expire after RESERVATION_TTL_MS; what was seen before that no longer matters.
      prune ??= setInterval(() => { usage.pruneSeen(Date.now() - 2 * RESERVATION_TTL_MS); }, RESERVATION_TTL_MS).unref();
    },
    stop: () => {
      clearInterval(prune);
      prune = undefined;
    },
  };
}

/**
 * The account policy webhooks over the informers: a namespace's account from its label (as AccountQuota's
 * admission reads it), the account's policy from the accounts informer.
 */
export function buildPolicyHooks(deps: { namespaces: Informer<KubeObject>; accounts: Informer<InformedAccount>; events: EventSink }) {
  const admission = new PolicyAdmission({
    accountOfNamespace: (ns) => deps.namespaces.get(ns)?.metadata.labels?.[ACCOUNT_LABEL] || undefined,
    account: (name) => deps.accounts.get(name),
  }, deps.events);
  return {
    policy: (r: AdmissionRequest) => Promise.resolve(admission.validate(r)),
    'policy-defaults': (r: AdmissionRequest) => Promise.resolve(admission.defaults(r)),
  };
}

/** The TemplateInstance controller over the Template and TemplateInstance informers. */
export function buildTemplates(deps: {
  templates: Informer<Informed<Template>>;
  instances: Informer<Informed<TemplateInstance>>;
  namespaces: Informer<KubeObject>;
  accounts: Informer<InformedAccount>;
  backend: TemplateBackend;
  log: Logger;
  events: EventSink;
  queueMetrics?: WorkqueueMetricsProvider;
}): TemplateInstanceController {
  const controller = new TemplateInstanceController({
    instance: (ns, name) => deps.instances.get(name, ns),
    instancesOfTemplate: (template) => deps.instances.list().filter((ti) => templateOfInstance(ti) === template),
    template: (name) => deps.templates.get(name),
    liveTemplate: (name) => deps.templates.readLive(name),
    namespace: (name) => deps.namespaces.get(name),
    account: (name) => deps.accounts.get(name),
  }, deps.backend, deps.log.with({ controller: 'templateinstance' }), deps.events, deps.queueMetrics);
  deps.instances.addHandlers({ onAdd: (o) => { controller.onInstance(o); }, onUpdate: (_b, o) => { controller.onInstance(o); } });
  const onTemplate = (o: Template) => { controller.onTemplate(o); };
  deps.templates.addHandlers({ onAdd: onTemplate, onUpdate: (_b, o) => { onTemplate(o); }, onDelete: onTemplate });
  return controller;
}
