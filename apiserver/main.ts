// The server's entry point: flags -> options -> start(); SIGTERM drains. The only place that reads
// process.env or calls process.exit.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { accountResource } from '../registry/account/resource.js';
import { AccountController } from '../registry/account/controller.js';
import { AccountStorage } from '../registry/account/rest.js';
import { AccountWriter } from '../registry/account/writer.js';
import { validateConfigAccount } from '../registry/account/admission.js';
import { allSchemas, definitionName } from '../registry/openapi/schemas.js';
import { SpaceWriter } from '../registry/space/writer.js';
import { validateNamespaceName, validateSubdomainName } from '../storage/apimachinery/meta-validation.js';
import { KubeAccountBackend } from '../storage/account-backend.js';
import { LeaseLedger } from '../storage/lease-ledger.js';
import { CountReservations } from '../storage/reservations.js';
import { KubeSpaceBackend } from '../storage/space-backend.js';
import { accountTable } from '../registry/account/table.js';
import { TENANCY_GROUP, TENANCY_VERSION } from '../registry/resource.js';
import { spaceResource } from '../registry/space/resource.js';
import { SpaceStorage } from '../registry/space/rest.js';
import { spaceTable } from '../registry/space/table.js';
import { RequestHeaderConfigSource } from '../storage/authentication/request-header-config.js';
import { ServiceAccountIssuer } from '../storage/authentication/service-account-issuer.js';
import { ServiceAccountTokenCheck } from '../storage/authentication/service-account-token-check.js';
import { TokenReviewer } from '../storage/authentication/token-reviewer.js';
import { SubjectAccessReviewer } from '../storage/authorization/subject-access-reviewer.js';
import { KubeClient } from '../storage/client.js';
import { ClusterInformers } from '../storage/informers/cluster-informers.js';
import { Informer } from '../storage/informers/informer.js';
import { ResourceInformers } from '../storage/informers/resource-informers.js';
import { HelmRunner } from '../storage/helm-runner.js';
import { RestMapper } from '../storage/rest-mapper.js';
import { KubeTemplateBackend } from '../storage/template-backend.js';
import { createLogger } from '../storage/logger.js';
import type { Logger } from '../storage/logger.js';
import { ObjectWriter } from '../storage/object-writer.js';
import { EventRecorder } from '../storage/events/event-recorder.js';
import { AccessIndex } from '../storage/visibility/access-index.js';
import { Visibility } from '../storage/visibility/visibility.js';
import { InformerReadConsistency } from '../storage/visibility/read-consistency.js';
import { readFileSync } from 'node:fs';
import { AdmissionClientAuthenticator } from './admission/authentication.js';
import { Authenticator } from './authn/authenticator.js';
import { ClientCaPool } from './authn/client-ca-pool.js';
import { registerIndexMetrics } from './endpoints/index-metrics.js';
import { registerEventMetrics } from './endpoints/event-metrics.js';
import { registerLeaderElectionMetrics } from './endpoints/leader-election-metrics.js';
import { registerWorkqueueMetrics } from './endpoints/workqueue-metrics.js';
import { registerReservationMetrics } from './endpoints/reservation-metrics.js';
import { parseFlags, validate } from './options.js';
import { hostname } from 'node:os';
import { LeaderElector } from '../storage/leader-election.js';
import { NetworkPolicyFence } from '../storage/self-fencing/network-policy-fence.js';
import { ApiServer } from './server.js';
import { servingCertificates } from './serving-certificates.js';
import type { Informed, InformedAccount } from './wiring.js';
import { buildAccountQuotas, buildTemplates, wireAccountController, wireInstancesToAccounts } from './wiring.js';
import { ACCOUNT_LABEL } from '../registry/account/types.js';
import type { AccountQuota } from '../registry/accountquota/types.js';
import type { Template, TemplateInstance } from '../registry/template/types.js';
import { LabelIndex } from '../storage/indexes/label-index.js';
import { NamespaceIndex } from '../storage/indexes/namespace-index.js';
import { CreatesInFlight } from '../registry/space/creating-mark.js';
import { createLiveness } from '../registry/space/create-liveness.js';
import { ReplicaLease } from '../storage/replica-lease.js';

/** The Space writer's view of the access index. */
function visibilityIndexFor(visibility: Visibility) {
  return {
    object: (collection: 'namespaces', name: string) => visibility.object(collection, name),
    isCurrent: (collection: 'namespaces', name: string, rv: string) => visibility.isCurrent(collection, name, rv),
    isUserAllowed: (user: Parameters<Visibility['isUserAllowed']>[0], name: string) => visibility.isUserAllowed(user, name),
    waitFor: (condition: () => boolean, timeoutMs: number, signal?: AbortSignal) => visibility.waitFor(condition, timeoutMs, signal),
  };
}

async function main(): Promise<void> {
  const options = parseFlags(process.argv.slice(2));
  const errors = validate(options);
  if (errors.length > 0) throw new Error(errors.join('; '));
  const log = createLogger((line) => process.stderr.write(line), options.verbosity);
  survivePerRequestFailures(log);

  const client = KubeClient.fromKubeconfig(options.kubeconfig || undefined);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  const index = new AccessIndex();
  const informers = new ClusterInformers<InformedAccount>(client, log);
  informers.feed(index);
  registerIndexMetrics(metrics, index, informers);
  const visibility = new Visibility(index, new InformerReadConsistency(informers.all, client));
  const templateInformer = new Informer<Informed<Template>>(client, { name: 'templates.config.kiosk.sh', path: '/apis/config.kiosk.sh/v1alpha1/templates' }, log);
  const instanceInformer = new Informer<Informed<TemplateInstance>>(client,
    { name: 'templateinstances.config.kiosk.sh', path: '/apis/config.kiosk.sh/v1alpha1/templateinstances' }, log);
  // An account's spaces (admission reads them too), the bindings the server made in them, the instances in a space.
  const namespacesByAccount = new LabelIndex(informers.namespaces, ACCOUNT_LABEL);
  const roleBindingsByAccount = new LabelIndex(informers.roleBindings, ACCOUNT_LABEL, (rb) => rb.metadata.labels?.['app.kubernetes.io/name'] === 'kiosk');
  const instancesByNamespace = new NamespaceIndex(instanceInformer);
  // This replica's name in its Lease and in the Events it records.
  const identity = `${hostname()}_${process.pid}`;
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
    },
    new ObjectWriter(client), log.with({ controller: 'account' }), events, queueMetrics, createLiveness(creates, replicaLease));
  wireAccountController(informers, namespacesByAccount, accountController);
  wireInstancesToAccounts(instanceInformer, accountController);
  const ledger = new LeaseLedger(client, options.namespace);
  const quotaInformer = new Informer<Informed<AccountQuota>>(client, { name: 'accountquotas.config.kiosk.sh', path: '/apis/config.kiosk.sh/v1alpha1/accountquotas' }, log);
  const quotaResources = new ResourceInformers(client, log);
  const quotas = buildAccountQuotas({
    quotaInformer, resources: quotaResources, namespaces: informers.namespaces,
    namespacesOf: (account) => namespacesByAccount.keys(account),
    ledger, writer: new ObjectWriter(client), log, queueMetrics, reservationVisible: registerReservationMetrics(metrics),
  });
  const templates = buildTemplates({
    templates: templateInformer, instances: instanceInformer, namespaces: informers.namespaces, accounts: informers.accounts,
    backend: new KubeTemplateBackend(client, new RestMapper(client), new HelmRunner(options.helmBinary)), log, events, queueMetrics,
  });
  let indexReady = false;

  const authorizer = new SubjectAccessReviewer(client);
  const spaceWriter = new SpaceWriter(
    new KubeSpaceBackend(client, (name) => informers.accounts.get(name), authorizer,
      new CountReservations(ledger, 60_000)),
    { ...visibilityIndexFor(visibility) },
    templates,
    creates,
  );
  const accountWriter = new AccountWriter(new KubeAccountBackend(client, (name, rv) => visibility.isCurrent('accounts', name, rv)), {
    indexedVersion: (name) => visibility.object('accounts', name)?.metadata.resourceVersion,
    waitFor: (condition, timeoutMs, signal) => visibility.waitFor(condition, timeoutMs, signal),
  });
  const catalogue = allSchemas();

  const certificates = servingCertificates(options, client, log);
  await certificates.load();
  const serviceAccountIssuer = new ServiceAccountIssuer(client, log.with({ component: 'service-account-issuer' }));
  const tokenReviewer = new TokenReviewer(client, {}, new ServiceAccountTokenCheck(serviceAccountIssuer));
  const clientCAs = new ClientCaPool();
  const authenticator = new Authenticator(tokenReviewer, clientCAs);
  const requestHeaders = new RequestHeaderConfigSource(client, log);
  const admissionAuthenticator = options.admissionClientCaFile
    ? new AdmissionClientAuthenticator(clientCAs, readFileSync(options.admissionClientCaFile, 'utf8'), options.admissionAllowedNames)
    : undefined;
  const server = new ApiServer(options, {
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
    readyChecks: [{ name: 'informers-synced', check: () => indexReady && quotaInformer.synced() && templateInformer.synced() && instanceInformer.synced() }],
    admission: { ...quotas.hooks, 'validate-account': async (r) => validateConfigAccount(r) },
    servingCertificate: () => certificates.certificate,
    admissionAuthenticator,
  });

  let serving = false;
  // A rotated CA (front-proxy, client, or any other purpose's) must reach new handshakes at once.
  clientCAs.onChange(() => {
    if (serving) server.reloadTls();
  });
  requestHeaders.onChange((config) => authenticator.setConfig(config));
  requestHeaders.start();
  authorizer.start();
  tokenReviewer.start();
  serviceAccountIssuer.start();
  informers.start();
  events.start();
  quotaInformer.start();
  templateInformer.start();
  instanceInformer.start();
  quotaResources.start();
  replicaLease.start();
  quotas.start();
  const started = Date.now();
  // Every replica serves the API and the webhooks from its own caches; the controllers run only in the
  // replica holding the leader Lease, and only once the caches they read have synced.
  const controllers: Array<{ start(): void; stop(): void }> = [accountController, quotas.controller, templates];
  if (options.selfFencingNetworkPolicy) {
    controllers.push(new NetworkPolicyFence(client, { namespace: options.namespace, name: options.selfFencingNetworkPolicy },
      log.with({ controller: 'networkpolicyfence' }), queueMetrics));
  }
  let leading = false;
  const startControllers = () => {
    if (leading && indexReady) for (const c of controllers) c.start();
  };
  const elector = new LeaderElector(client, {
    namespace: options.namespace, name: 'kiosk-controllers', identity,
    leaseDurationSeconds: 15, renewIntervalMs: 5_000,
  }, log, {
    onStartedLeading: () => {
      leading = true;
      startControllers();
    },
    onStoppedLeading: () => {
      leading = false;
      for (const c of controllers) c.stop();
    },
  });
  registerLeaderElectionMetrics(metrics, elector);
  elector.start();
  void Promise.all([informers.waitForSync(), quotaInformer.waitForSync(), templateInformer.waitForSync(), instanceInformer.waitForSync()]).then(() => {
    index.markSynced();
    indexReady = true;
    startControllers();
    log.info('access index built', { ...index.sizes(), ms: Date.now() - started });
  });
  log.info('waiting for kube-system/extension-apiserver-authentication');
  await new Promise<void>((resolve) => requestHeaders.onChange(() => resolve()));
  await server.start();
  serving = true;
  certificates.start(() => server.reloadTls());

  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal });
    certificates.stop();
    await server.stop(options.shutdownGracePeriodSeconds * 1000);
    // After the drain: no create of ours runs any more, the others may finish what one left.
    await replicaLease.stop();
    await elector.stop();
    for (const c of controllers) c.stop();
    templates.close();
    events.stop();
    quotas.stop();
    authorizer.stop();
    tokenReviewer.stop();
    serviceAccountIssuer.stop();
    await Promise.all([requestHeaders.stop(), informers.stop(), quotaInformer.stop(), quotaResources.stop(), templateInformer.stop(), instanceInformer.stop()]);
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * kube-apiserver recovers a panic in one request's handler and answers it with a 500; the process lives on.
 * Express turns errors thrown in handlers into Statuses; this covers what escapes it (a throw in a response's
 * 'finish' listener, a rejected promise nobody awaited): logged with its stack, never the end of every
 * tenant's service. Start-up failures still end the process through main()'s catch.
 */
function survivePerRequestFailures(log: Logger): void {
  process.on('uncaughtException', (err) => log.error('unexpected error survived', err, { stack: err instanceof Error ? err.stack : undefined }));
  process.on('unhandledRejection', (err) => log.error('unhandled rejection survived', err, { stack: err instanceof Error ? err.stack : undefined }));
}

main().catch((err: Error) => {
  process.stderr.write(JSON.stringify({ ts: Date.now() / 1000, v: 0, msg: 'fatal', err: err.message }) + '\n');
  process.exit(1);
});
