// The server's entry point: flags -> options -> buildServer() -> start(); SIGTERM drains. The only place
// that reads process.env or calls process.exit.
import { KubeClient } from '../storage/client.js';
import { createLogger } from '../storage/logger.js';
import type { Logger } from '../storage/logger.js';
import { buildServer } from './build-server.js';
import { parseFlags, validate } from './options.js';

async function main(): Promise<void> {
  const options = parseFlags(process.argv.slice(2));
  const errors = validate(options);
  if (errors.length > 0) throw new Error(errors.join('; '));
  const log = createLogger((line) => process.stderr.write(line), options.verbosity);
  survivePerRequestFailures(log);

  const client = await KubeClient.fromKubeconfig(options.kubeconfig || undefined, process.env);
  const server = buildServer(options, client, log);
  await server.start();

  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal });
    await server.stop();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => { void shutdown('SIGTERM'); });
  process.once('SIGINT', () => { void shutdown('SIGINT'); });
}

/**
 * kube-apiserver recovers a panic in one request's handler and answers it with a 500; the process lives on.
 * Express turns errors thrown in handlers into Statuses; this covers what escapes it (a throw in a response's
 * 'finish' listener, a rejected promise nobody awaited): logged with its stack, never the end of every
 * tenant's service. Start-up failures still end the process through main()'s catch.
 */
function survivePerRequestFailures(log: Logger): void {
  process.on('uncaughtException', (err) => { log.error('unexpected error survived', err); });
  process.on('unhandledRejection', (err) => { log.error('unhandled rejection survived', err); });
}

main().catch((err: unknown) => {
  createLogger((line) => process.stderr.write(line)).error('fatal', err);
  process.exit(1);
});
