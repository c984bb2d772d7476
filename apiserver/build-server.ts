// The server's object graph, built without starting anything: no timer, socket, watch or Lease until
// start(). Tests build the real graph (the metrics registry, the HTTP handler, the controllers) from it.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { validateConfigAccount } from '../registry/account/admission.js';
import { AccountController } from '../registry/account/controller.js';
import { accountResource } from '../registry/account/resource.js';
import { AccountStorage } from '../registry/account/rest.js';
import { accountTable } from '../registry/account/table.js';
import { ACCOUNT_LABEL } from '../registry/account/types.js';
import { allSchemas, definitionName } from '../registry/openapi/schemas.js';
import { TENANCY_GROUP, TENANCY_VERSION } from '../registry/resource.js';
import { createLiveness } from '../registry/space/create-liveness.js';
import { CreatesInFlight } from '../registry/space/creating-mark.js';
import { spaceResource } from '../registry/space/resource.js';
import { SpaceStorage } from '../registry/space/rest.js';
import { spaceTable } from '../registry/space/table.js';
import type { Template, TemplateInstance } from '../registry/template/types.js';
import type { AccountQuota } from '../registry/accountquota/types.js';
import { DEFAULT_RESERVED_PREFIXES, ReservedMetadata } from '../registry/space/reserved-metadata.js';
import { ProtectedObjectsAdmission } from '../registry/protection/admission.js';
import { validateNamespaceName, validateSubdomainName } from '../storage/apimachinery/meta-validation.js';
import { RequestHeaderConfigSource } from '../storage/authentication/request-header-config.js';
import { ServiceAccountIssuer } from '../storage/authentication/service-account-issuer.js';
import { ServiceAccountTokenCheck } from '../storage/authentication/service-account-token-check.js';
import { TokenReviewer } from '../storage/authentication/token-reviewer.js';
import { SubjectAccessReviewer } from '../storage/authorization/subject-access-reviewer.js';
import type { KubeClient } from '../storage/client.js';
import type { KubeObject } from '../storage/informers/informer.js';
import type { Startable } from '../storage/controller-gate.js';
import { ControllerGate } from '../storage/controller-gate.js';
import { EventRecorder } from '../storage/events/event-recorder.js';
import { HelmRunner } from '../storage/helm-runner.js';
import { LabelIndex } from '../storage/indexes/label-index.js';
import { NamespaceIndex } from '../storage/indexes/namespace-index.js';
import { ClusterInformers } from '../storage/informers/cluster-informers.js';
import { Informer } from '../storage/informers/informer.js';
import { ResourceInformers } from '../storage/informers/resource-informers.js';
import { LeaderElector } from '../storage/leader-election.js';
import { LeaseLedger } from '../storage/lease-ledger.js';
import type { Logger } from '../storage/logger.js';
import { ObjectWriter } from '../storage/object-writer.js';
import { ReplicaLease } from '../storage/replica-lease.js';
import { RestMapper } from '../storage/rest-mapper.js';
import { NetworkPolicyFence } from '../storage/self-fencing/network-policy-fence.js';
import { KubeTemplateBackend } from '../storage/template-backend.js';
import { AccessIndex } from '../storage/visibility/access-index.js';
import { InformerReadConsistency } from '../storage/visibility/read-consistency.js';
import { Visibility } from '../storage/visibility/visibility.js';
import { OwnIdentity } from '../storage/authentication/own-identity.js';
import { AdmissionClientAuthenticator } from './admission/authentication.js';
import { Authenticator } from './authn/authenticator.js';
import { ClientCaPool } from './authn/client-ca-pool.js';
import { buildWriters } from './build-writers.js';
import { registerEventMetrics } from './endpoints/event-metrics.js';
import { registerIndexMetrics } from './endpoints/index-metrics.js';
import { registerLeaderElectionMetrics } from './endpoints/leader-election-metrics.js';
import { registerReservationMetrics } from './endpoints/reservation-metrics.js';
import { registerServingCertificateMetrics } from './endpoints/serving-certificate-metrics.js';
import { registerWorkqueueMetrics } from './endpoints/workqueue-metrics.js';
import type { ServerOptions } from './options.js';
import { ApiServer } from './server.js';
import { servingCertificates } from './serving-certificates.js';
import type { Informed, InformedAccount } from './wiring.js';
import { buildAccountQuotas, buildPolicyHooks, buildTemplates, wireAccountController, wireInstancesToAccounts } from './wiring.js';

/** The built server: everything it is made of, and the two calls that run and end it. */
export interface KioskServer {
  /**
   * The /metrics registry: the server's own metrics are registered at build, prom-client's default metrics
   * (process, heap, GC, event loop) by start(), since their event-loop delay monitor samples on a timer.
   */
  readonly metrics: Registry;
  /** The HTTPS edge (its handler is built; it listens from start()). */
  readonly api: ApiServer;
  /** The controllers run on the leader: account, accountquota, templateinstance (and the NetworkPolicy fence). */
  readonly controllers: readonly Startable[];
  /**
   * Loads the serving certificate, starts the informers, reviewers, Leases and leader election, waits for
   * kube-system/extension-apiserver-authentication, then listens. Rejects when the server cannot serve.
   */
  start(): Promise<void>;
  /**
   * Undoes start(): drains the requests in flight (the grace period), releases the Leases, ends every watch.
   * A server never started has nothing to undo. The client stays open: it is the caller's.
   */
  stop(): Promise<void>;
}

/** Builds the whole server over a client; starts nothing (see KioskServer.start). */
export function buildServer(options: ServerOptions, client: KubeClient, log: Logger): KioskServer {
  const metrics = new Registry();

  const index = new AccessIndex();
  const informers = new ClusterInformers<InformedAccount>(client, log);
  informers.feed(index);
  registerIndexMetrics(metrics, index, informers);
  const visibility = new Visibility(index, new InformerReadConsistency(informers.all, client));
  const templateInformer = new Informer<Informed<Template>>(client, { name: 'templates.config.kiosk.sh', path: '/apis/config.kiosk.sh/v1alpha1/templates' }, log);
  const instanceInformer = new Informer<Informed<TemplateInstance>>(client,
    { name: 'templateinstances.config.kiosk.sh', path: '/apis/config.kiosk.sh/v1alpha1/templateinstances' }, log);
  const quotaInformer = new Informer<Informed<AccountQuota>>(client, { name: 'accountquotas.config.kiosk.sh', path: '/apis/config.kiosk.sh/v1alpha1/accountquotas' }, log);
  // Only the NetworkPolicies the server made (spec.isolation): a change or delete of one is repaired at once.
  const networkPolicyInformer = new Informer<KubeObject>(client, {
    name: 'networkpolicies.networking.k8s.io', path: '/apis/networking.k8s.io/v1/networkpolicies', labelSelector: 'app.kubernetes.io/name=kiosk',
  }, log);
  const quotaResources = new ResourceInformers(client, log);
  // An account's spaces (admission reads them too), the bindings the server made in them, the instances in a space.
  const namespacesByAccount = new LabelIndex(informers.namespaces, ACCOUNT_LABEL);
  const roleBindingsByAccount = new LabelIndex(informers.roleBindings, ACCOUNT_LABEL, (rb) => rb.metadata.labels?.['app.kubernetes.io/name'] === 'kiosk');
  const instancesByNamespace = new NamespaceIndex(instanceInformer);
  const networkPoliciesByAccount = new LabelIndex(networkPolicyInformer, ACCOUNT_LABEL);

  // This replica's name in its Lease and in the Events it records.
  const identity = `${hostname()}_${String(process.pid)}`;
  const events = new EventRecorder(client, { reportingInstance: identity }, log.with({ component: 'events' }));
  registerEventMetrics(metrics, events);
  const queueMetrics = registerWorkqueueMetrics(metrics);
  // The creates this process runs, and its own Lease, so that the account controller (on whichever replica
  // leads) can tell a namespace still being created from one whose create died with its replica.
  const creates = new CreatesInFlight(identity);
  const replicaLease = new ReplicaLease(client, { namespace: options.namespace, identity, leaseDurationSeconds: 10, renewIntervalMs: 3_000 },
    log.with({ component: 'replica-lease' }));
  const accountController = new AccountController(
    {
      account: (name) => informers.accounts.get(name),
      namespacesOf: (account) => namespacesByAccount.keys(account),
      accountOfNamespace: (namespace) => namespacesByAccount.valueOf(namespace),
      instancesIn: (namespace) => instancesByNamespace.objects(namespace),
      namespaceCreated: (namespace) => {
        const created = informers.namespaces.get(namespace)?.metadata.creationTimestamp;
        return created ? Date.parse(created) : undefined;
      },
      namespace: (name) => informers.namespaces.get(name),
      clusterRole: (name) => informers.clusterRoles.get(name),
      clusterRoleBinding: (name) => informers.clusterRoleBindings.get(name),
      roleBindingsOf: (account) => roleBindingsByAccount.objects(account),
      networkPolicy: (namespace, name) => networkPolicyInformer.get(name, namespace),
      networkPoliciesOf: (account) => networkPoliciesByAccount.objects(account),
    },
    new ObjectWriter(client), log.with({ controller: 'account' }), events, queueMetrics, createLiveness(creates, replicaLease));
  wireAccountController(informers, namespacesByAccount, networkPolicyInformer, accountController);
  wireInstancesToAccounts(instanceInformer, accountController);
  const ledger = new LeaseLedger(client, options.namespace);
  const quotas = buildAccountQuotas({
    quotaInformer, resources: quotaResources, namespaces: informers.namespaces,
    namespacesOf: (account) => namespacesByAccount.keys(account),
    ledger, writer: new ObjectWriter(client), log, queueMetrics, reservationVisible: registerReservationMetrics(metrics),
  });
  const templates = buildTemplates({
    templates: templateInformer, instances: instanceInformer, namespaces: informers.namespaces, accounts: informers.accounts,
    backend: new KubeTemplateBackend(client, new RestMapper(client), new HelmRunner(options.helmBinary)), log, events, queueMetrics,
  });

  const authorizer = new SubjectAccessReviewer(client);
  const { spaceWriter, accountWriter } = buildWriters({
    client, account: (name) => informers.accounts.get(name), authorizer, ledger, visibility, templates, creates,
    reserved: new ReservedMetadata([...DEFAULT_RESERVED_PREFIXES, ...options.reservedPrefixes]),
  });
  const catalogue = allSchemas();
  const ownIdentity = new OwnIdentity(client);
  const protection = new ProtectedObjectsAdmission({
    account: (name) => informers.accounts.get(name),
    templateOfInstance: (namespace, name) => instanceInformer.get(name, namespace)?.spec.template,
    accountOfNamespace: (namespace) => namespacesByAccount.valueOf(namespace),
    authorize: (user, attributes) => authorizer.authorize(user, attributes),
    ownUsername: () => ownIdentity.username(),
  }, events);

  const certificates = servingCertificates(options, client, log);
  registerServingCertificateMetrics(metrics, () => certificates.loaded);
  const serviceAccountIssuer = new ServiceAccountIssuer(client, log.with({ component: 'service-account-issuer' }));
  const tokenReviewer = new TokenReviewer(client, {}, new ServiceAccountTokenCheck(serviceAccountIssuer));
  const clientCAs = new ClientCaPool();
  const authenticator = new Authenticator(tokenReviewer, clientCAs);
  const requestHeaders = new RequestHeaderConfigSource(client, log);
  const admissionAuthenticator = options.admissionClientCaFile
    ? new AdmissionClientAuthenticator(clientCAs, readFileSync(options.admissionClientCaFile, 'utf8'), options.admissionAllowedNames)
    : undefined;
  let indexReady = false;
  const api = new ApiServer(options, {
    log,
    authenticator,
    clientCAs,
    authorizer,
    metrics,
    group: { group: TENANCY_GROUP, version: TENANCY_VERSION },
    resources: [
      {
        descriptor: spaceResource([]), storage: new SpaceStorage(visibility, spaceWriter), convertor: spaceTable,
        write: { schemaName: definitionName(TENANCY_GROUP, TENANCY_VERSION, 'Space'), catalogue, nameValidator: validateNamespaceName },
      },
      {
        descriptor: accountResource([]), storage: new AccountStorage(visibility, accountWriter), convertor: accountTable,
        write: { schemaName: definitionName(TENANCY_GROUP, TENANCY_VERSION, 'Account'), catalogue, nameValidator: validateSubdomainName },
      },
    ],
    readyChecks: [{ name: 'informers-synced', check: () => indexReady && quotaInformer.synced() && templateInformer.synced() && instanceInformer.synced() && networkPolicyInformer.synced() }],
    admission: {
      ...quotas.hooks, ...buildPolicyHooks({ namespaces: informers.namespaces, accounts: informers.accounts, events }),
      'validate-account': (r) => Promise.resolve(validateConfigAccount(r)),
      protect: (r) => protection.admit(r),
    },
    servingCertificate: () => certificates.certificate,
    admissionAuthenticator,
  });

  let serving = false;
  // A rotated CA (front-proxy, client, or any other purpose's) must reach new handshakes at once.
  clientCAs.onChange(() => {
    if (serving) api.reloadTls();
  });
  requestHeaders.onChange((config) => { authenticator.setConfig(config); });

  const controllers: Startable[] = [accountController, quotas.controller, templates];
  if (options.selfFencingNetworkPolicy) {
    controllers.push(new NetworkPolicyFence(client, { namespace: options.namespace, name: options.selfFencingNetworkPolicy },
      log.with({ controller: 'networkpolicyfence' }), queueMetrics));
  }
  const gate = new ControllerGate(controllers);
  const elector = new LeaderElector(client, {
    namespace: options.namespace, name: 'kiosk-controllers', identity,
    leaseDurationSeconds: 15, renewIntervalMs: 5_000,
  }, log, {
    onStartedLeading: () => { gate.startedLeading(); },
    onStoppedLeading: () => { gate.stoppedLeading(); },
  });
  registerLeaderElectionMetrics(metrics, elector);

  let started = false;
  const start = async (): Promise<void> => {
    // Once per registry: prom-client can neither register them twice nor stop their monitor.
    if (!started) collectDefaultMetrics({ register: metrics });
    started = true;
    // Without a certificate the server cannot listen: a failure here is the caller's, before anything runs.
    await certificates.load();
    requestHeaders.start();
    authorizer.start();
    tokenReviewer.start();
    serviceAccountIssuer.start();
    informers.start();
    events.start();
    quotaInformer.start();
    templateInformer.start();
    instanceInformer.start();
    networkPolicyInformer.start();
    quotaResources.start();
    replicaLease.start();
    quotas.start();
    const startedAt = Date.now();
    elector.start();
    void Promise.all([informers.waitForSync(), quotaInformer.waitForSync(), templateInformer.waitForSync(), instanceInformer.waitForSync(),
      networkPolicyInformer.waitForSync()]).then(() => {
      index.markSynced();
      indexReady = true;
      gate.cachesSynced();
      log.info('access index built', { ...index.sizes(), ms: Date.now() - startedAt });
    });
    log.info('waiting for kube-system/extension-apiserver-authentication');
    await new Promise<void>((resolve) => { requestHeaders.onChange(() => { resolve(); }); });
    await api.start();
    serving = true;
    certificates.start(() => { api.reloadTls(); });
  };

  const stop = async (): Promise<void> => {
    if (!started) return;
    certificates.stop();
    await api.stop(options.shutdownGracePeriodSeconds * 1000);
    // After the drain: no create of ours runs any more, the others may finish what one left.
    await replicaLease.stop();
    await elector.stop();
    gate.stop();
    templates.close();
    events.stop();
    quotas.stop();
    authorizer.stop();
    tokenReviewer.stop();
    serviceAccountIssuer.stop();
    await Promise.all([requestHeaders.stop(), informers.stop(), quotaInformer.stop(), quotaResources.stop(), templateInformer.stop(), instanceInformer.stop(),
      networkPolicyInformer.stop()]);
  };

  return { metrics, api, controllers, start, stop };
}
