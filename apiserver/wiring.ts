import type { AccountController } from '../registry/account/controller.js';
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
import type { TemplateBackend } from '../registry/template/controller.js';
import { TemplateInstanceController } from '../registry/template/controller.js';
import type { Template, TemplateInstance } from '../registry/template/types.js';
import type { ClusterInformers } from '../storage/informers/cluster-informers.js';
import type { Informer, KubeObject } from '../storage/informers/informer.js';
import type { ResourceInformers } from '../storage/informers/resource-informers.js';
import type { Logger } from '../storage/logger.js';
import type { WorkqueueMetricsProvider } from '../storage/workqueue.js';

/** Routes the informer events the account controller reacts to. */
export function wireAccountController(informers: ClusterInformers, controller: AccountController): void {
  const account = (o: unknown) => controller.onAccount(o as Account);
  informers.accounts.addHandlers({
    onAdd: account, onUpdate: (_b, o) => account(o), onDelete: (o) => controller.onAccountDeleted(o as unknown as Account),
  });
  informers.namespaces.addHandlers({
    onAdd: (ns) => controller.onNamespace(ns),
    onUpdate: (_b, ns) => controller.onNamespace(ns),
    onDelete: (ns) => controller.onNamespace(ns, true),
  });
  for (const informer of [informers.clusterRoles, informers.clusterRoleBindings, informers.roleBindings]) {
    informer.addHandlers({ onUpdate: (_b, o) => controller.onOwnedObject(o), onDelete: (o) => controller.onOwnedObject(o) });
  }
}

/** A TemplateInstance's status decides when its space may be bound: the account controller hears of it. */
export function wireInstancesToAccounts(instances: Informer<KubeObject>, controller: AccountController): void {
  instances.addHandlers({
    onAdd: (o) => controller.onTemplateInstance(o),
    onUpdate: (_b, o) => controller.onTemplateInstance(o),
    onDelete: (o) => controller.onTemplateInstance(o),
  });
}

/** The pieces of AccountQuota, built over the informers: usage index, controller, admission. */
export function buildAccountQuotas(deps: {
  quotaInformer: Informer<KubeObject>;
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
  const quotas = () => deps.quotaInformer.list() as unknown as AccountQuota[];
  const quotasOf = (account: string) => quotas().filter((q) => q.spec?.account === account);
  const accountOfNamespace = (ns: string) => deps.namespaces.get(ns)?.metadata.labels?.[ACCOUNT_LABEL] || undefined;
  const controller = new AccountQuotaController({
    quota: (name) => deps.quotaInformer.get(name) as unknown as AccountQuota | undefined,
    quotasOf, namespacesOf: deps.namespacesOf, usage,
  }, deps.writer, deps.log.with({ controller: 'accountquota' }), deps.queueMetrics);

  const ensureKinds = (q: AccountQuota) => Promise.all(kindsCountedBy(Object.keys(q.spec?.quota?.hard ?? {})).map((k) => deps.resources.ensure(k)));
  const onQuota = (o: KubeObject) => {
    const q = o as unknown as AccountQuota;
    void ensureKinds(q);
    controller.onQuota(q);
  };
  deps.quotaInformer.addHandlers({ onAdd: onQuota, onUpdate: (_b, o) => onQuota(o) });
  deps.resources.onEvent((kind) => ({
    onAdd: (o) => { usage.set(kind, o); controller.onAccountChanged(accountOfNamespace(o.metadata.namespace ?? '')); },
    onUpdate: (_b, o) => { usage.set(kind, o); controller.onAccountChanged(accountOfNamespace(o.metadata.namespace ?? '')); },
    onDelete: (o) => { usage.delete(kind, o); controller.onAccountChanged(accountOfNamespace(o.metadata.namespace ?? '')); },
  }));
  deps.namespaces.addHandlers({
    onAdd: (ns) => controller.onAccountChanged(ns.metadata.labels?.[ACCOUNT_LABEL]),
    onUpdate: (before, ns) => {
      const [a, b] = [before.metadata.labels?.[ACCOUNT_LABEL], ns.metadata.labels?.[ACCOUNT_LABEL]];
      if (a !== b) {
        controller.onAccountChanged(a);
        controller.onAccountChanged(b);
      }
    },
    onDelete: (ns) => controller.onAccountChanged(ns.metadata.labels?.[ACCOUNT_LABEL]),
  });

  const countedKindsSynced = async (kinds: Array<{ group: string; resource: string }>) => {
    const informers = await Promise.all(kinds.map((k) => deps.resources.ensure(k)));
    const waits = informers.filter((i) => i !== undefined).map((i) => i.waitForSync());
    return Promise.race([Promise.all(waits).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000).unref())]);
  };
  const admission = new AccountQuotaAdmission({ accountOfNamespace, namespacesOf: deps.namespacesOf, quotasOf, countedKindsSynced, usage }, deps.ledger, deps.reservationVisible);
  // Reservations expire after RESERVATION_TTL_MS; what was seen before that no longer matters.
  const prune = setInterval(() => usage.pruneSeen(Date.now() - 2 * RESERVATION_TTL_MS), RESERVATION_TTL_MS);
  prune.unref();
  return {
    controller,
    hooks: {
      accountquota: (r: AdmissionRequest) => admission.admit(r),
      'validate-accountquota': async (r: AdmissionRequest) => validateAccountQuota(r),
    },
    stop: () => clearInterval(prune),
  };
}

/**
 * The RoleBindings the server made for each account's spaces (labelled with the account), kept from
 * informer events, so a reconcile reads its account's bindings instead of scanning all of the cluster's.
 */
export function roleBindingsByAccount(roleBindings: Informer<KubeObject>): (account: string) => KubeObject[] {
  const byAccount = new Map<string, Map<string, KubeObject>>();
  const keyOf = (rb: KubeObject) => `${rb.metadata.namespace}/${rb.metadata.name}`;
  const accountOf = (rb: KubeObject) => (rb.metadata.labels?.['app.kubernetes.io/name'] === 'kiosk' ? rb.metadata.labels?.[ACCOUNT_LABEL] : undefined);
  const remove = (rb: KubeObject) => {
    const account = accountOf(rb);
    if (account) byAccount.get(account)?.delete(keyOf(rb));
  };
  const add = (rb: KubeObject) => {
    const account = accountOf(rb);
    if (!account) return;
    let set = byAccount.get(account);
    if (!set) byAccount.set(account, (set = new Map()));
    set.set(keyOf(rb), rb);
  };
  roleBindings.addHandlers({ onAdd: add, onUpdate: (before, rb) => { remove(before); add(rb); }, onDelete: remove });
  return (account) => [...(byAccount.get(account)?.values() ?? [])];
}

/**
 * The TemplateInstances of a namespace, indexed: the account controller reads them for every space of an
 * account on each reconcile, and TemplateInstance events now trigger those.
 */
export function instancesByNamespace(instances: Informer<KubeObject>): (namespace: string) => KubeObject[] {
  const byNamespace = new Map<string, Map<string, KubeObject>>();
  const remove = (ti: KubeObject) => {
    const set = byNamespace.get(ti.metadata.namespace ?? '');
    set?.delete(ti.metadata.name);
    if (set?.size === 0) byNamespace.delete(ti.metadata.namespace ?? '');
  };
  const add = (ti: KubeObject) => {
    let set = byNamespace.get(ti.metadata.namespace ?? '');
    if (!set) byNamespace.set(ti.metadata.namespace ?? '', (set = new Map()));
    set.set(ti.metadata.name, ti);
  };
  instances.addHandlers({ onAdd: add, onUpdate: (before, ti) => { remove(before); add(ti); }, onDelete: remove });
  return (namespace) => [...(byNamespace.get(namespace)?.values() ?? [])];
}

/** The TemplateInstance controller over the Template and TemplateInstance informers. */
export function buildTemplates(deps: {
  templates: Informer<KubeObject>;
  instances: Informer<KubeObject>;
  namespaces: Informer<KubeObject>;
  accounts: Informer<KubeObject>;
  backend: TemplateBackend;
  log: Logger;
  events: EventSink;
  queueMetrics?: WorkqueueMetricsProvider;
}): TemplateInstanceController {
  const controller = new TemplateInstanceController({
    instance: (ns, name) => deps.instances.get(name, ns) as unknown as TemplateInstance | undefined,
    instancesOfTemplate: (template) => (deps.instances.list() as unknown as TemplateInstance[]).filter((ti) => ti.spec?.template === template),
    template: (name) => deps.templates.get(name) as unknown as Template | undefined,
    liveTemplate: async (name) => await deps.templates.readLive(name) as unknown as Template | undefined,
    namespace: (name) => deps.namespaces.get(name),
    account: (name) => deps.accounts.get(name),
  }, deps.backend, deps.log.with({ controller: 'templateinstance' }), deps.events, deps.queueMetrics);
  const onInstance = (o: KubeObject) => controller.onInstance(o as unknown as TemplateInstance);
  deps.instances.addHandlers({ onAdd: onInstance, onUpdate: (_b, o) => onInstance(o) });
  const onTemplate = (o: KubeObject) => controller.onTemplate(o as unknown as Template);
  deps.templates.addHandlers({ onAdd: onTemplate, onUpdate: (_b, o) => onTemplate(o), onDelete: onTemplate });
  return controller;
}
