// The server's entry point: flags -> options -> start(); SIGTERM drains. The only place that reads
// process.env or calls process.exit.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { accountResource } from '../registry/account/resource.js';
import { TENANCY_GROUP, TENANCY_VERSION } from '../registry/resource.js';
import { spaceResource } from '../registry/space/resource.js';
import { RequestHeaderConfigSource } from '../storage/authentication/request-header-config.js';
import { TokenReviewer } from '../storage/authentication/token-reviewer.js';
import { SubjectAccessReviewer } from '../storage/authorization/subject-access-reviewer.js';
import { KubeClient } from '../storage/client.js';
import { createLogger } from '../storage/logger.js';
import { Authenticator } from './authn/authenticator.js';
import { parseFlags, validate } from './options.js';
import { ApiServer } from './server.js';

async function main(): Promise<void> {
  const options = parseFlags(process.argv.slice(2));
  const errors = validate(options);
  if (errors.length > 0) throw new Error(errors.join('; '));
  const log = createLogger((line) => process.stderr.write(line), options.verbosity);

  const client = KubeClient.fromKubeconfig(options.kubeconfig || undefined);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  const authenticator = new Authenticator(new TokenReviewer(client));
  const requestHeaders = new RequestHeaderConfigSource(client, log);
  const server = new ApiServer(options, {
    log,
    authenticator,
    authorizer: new SubjectAccessReviewer(client),
    metrics,
    group: { group: TENANCY_GROUP, version: TENANCY_VERSION, resources: [spaceResource([]), accountResource([])] },
    readyChecks: [],
  });

  let serving = false;
  requestHeaders.onChange((config) => {
    authenticator.setConfig(config);
    if (serving) server.reloadTls();
  });
  requestHeaders.start();
  log.info('waiting for kube-system/extension-apiserver-authentication');
  await new Promise<void>((resolve) => requestHeaders.onChange(() => resolve()));
  await server.start();
  serving = true;

  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal });
    await server.stop(options.shutdownGracePeriodSeconds * 1000);
    await requestHeaders.stop();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: Error) => {
  process.stderr.write(JSON.stringify({ ts: Date.now() / 1000, v: 0, msg: 'fatal', err: err.message }) + '\n');
  process.exit(1);
});
