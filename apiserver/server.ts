import type { Server } from 'node:https';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import express from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../storage/logger.js';
import type { AdmissionHandler } from '../registry/admission.js';
import type { AdmissionClientAuthenticator } from './admission/authentication.js';
import { admissionAuthentication } from './admission/authentication.js';
import { admissionMetrics, admissionRouter } from './admission/webhook.js';
import type { Authenticator } from './authn/authenticator.js';
import type { ClientCaPool } from './authn/client-ca-pool.js';
import { authentication } from './chain/authentication.js';
import type { Authorizer } from './chain/authorization.js';
import { authorization } from './chain/authorization.js';
import { readBody } from './chain/body.js';
import { errorHandler, notFoundHandler } from './chain/errors.js';
import { instrumentation, requestMetrics } from './chain/instrumentation.js';
import { discoveryRouter } from './endpoints/discovery.js';
import type { HealthCheck } from './endpoints/health.js';
import { healthRouter } from './endpoints/health.js';
import { registerHealthMetrics } from './endpoints/health-metrics.js';
import type { InstallableResource } from './endpoints/installer.js';
import { installResource } from './endpoints/installer.js';
import { metricsRouter } from './endpoints/metrics.js';
import { openapiRouter } from './endpoints/openapi.js';
import { WatchTracker } from './handlers/watch-tracker.js';
import { PATCH_TYPES } from './handlers/write.js';
import type { ServerOptions } from './options.js';

export interface ServerDependencies {
  log: Logger;
  authenticator: Authenticator;
  /** The CAs client certificates are verified against in the handshake (it may change: reloadTls()). */
  clientCAs: ClientCaPool;
  authorizer: Authorizer;
  metrics: Registry;
  group: { group: string; version: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- resources of different kinds
  resources: InstallableResource<any>[];
  readyChecks: HealthCheck[];
  /** Admission webhooks served at /admission/<name>. */
  admission: Record<string, AdmissionHandler>;
  /** When set (--admission-client-ca-file), /admission/* answers only kube-apiserver's admission client certificate. */
  admissionAuthenticator?: AdmissionClientAuthenticator;
  /** The serving key pair now (it may rotate: reloadTls() picks up the new one). */
  servingCertificate: () => { certPem: string; keyPem: string };
}

/**
 * The HTTPS edge. TLS requests (does not require) a client certificate and verifies it against the client CA
 * pool (front-proxy and client CAs, and any other purpose's), which it also advertises so the aggregator's
 * Go client sends its proxy certificate; the authenticators then check which CA anchored it, per request.
 */
export class ApiServer {
  private server: Server | undefined;
  private draining = false;
  /** Open connections and how many requests each has in flight (idle ones are closed on shutdown). */
  private readonly sockets = new Map<Socket, number>();
  private readonly watches: WatchTracker;
  /** The request handler, built (and its metrics registered) with the server; it serves from start(). */
  readonly handler: express.Express;

  constructor(private readonly options: ServerOptions, private readonly deps: ServerDependencies) {
    this.watches = new WatchTracker(deps.metrics, { perUser: options.maxWatchesPerUser, total: options.maxWatches });
    this.handler = this.app();
  }

  private app(): express.Express {
    const { log, authenticator, authorizer, metrics, group } = this.deps;
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.set('query parser', 'simple');
    const live: HealthCheck[] = [{ name: 'ping', check: () => true }];
    const ready: HealthCheck[] = [
      { name: 'request-header-authentication', check: () => authenticator.ready() },
      ...this.deps.readyChecks,
      { name: 'shutdown', check: () => !this.draining },
    ];
    registerHealthMetrics(metrics, { livez: () => live, readyz: () => [...live, ...ready] });
    const installed = this.deps.resources.map((r) => installResource(r, this.watches));
    const descriptors = installed.map((i) => i.descriptor);
    app.use(instrumentation(log, requestMetrics(metrics), descriptors));
    app.use(admissionAuthentication(this.deps.admissionAuthenticator));
    app.use(authentication(authenticator));
    app.use(authorization(authorizer));
    app.use(readBody());
    app.use(healthRouter(() => live, () => ready));
    app.use(metricsRouter(metrics));
    app.use(admissionRouter(this.deps.admission, log, admissionMetrics(metrics, Object.keys(this.deps.admission))));
    app.use(discoveryRouter({ ...group, resources: descriptors }));
    // Exactly the patch types the handlers accept (never strategic merge: kubectl and the garbage
    // collector then send merge patches).
    app.use(openapiRouter(descriptors, { patchTypes: PATCH_TYPES }));
    for (const i of installed) app.use(i.router);
    app.use(notFoundHandler());
    app.use(errorHandler(log));
    return app;
  }

  private tlsContext() {
    const { certPem, keyPem } = this.deps.servingCertificate();
    return { key: keyPem, cert: certPem, ca: this.deps.clientCAs.pems() };
  }

  /** Called when the trusted client CAs or the serving certificate change: new handshakes get the new ones. */
  reloadTls(): void {
    this.server?.setSecureContext(this.tlsContext());
  }

  async start(): Promise<void> {
    // Users in hundreds of groups arrive as hundreds of X-Remote-Group lines: allow 1 MiB of headers
    // (Go's default limit, which kube-apiserver's proxy honours) instead of Node's 16 KiB.
    // requestCert without rejectUnauthorized: OpenSSL verifies any certificate sent (socket.authorized) but
    // callers without one (health probes, token clients) still connect.
    const server = createServer({ ...this.tlsContext(), requestCert: true, rejectUnauthorized: false, maxHeaderSize: 1 << 20 }, this.handler);
    // Above Go's 90 s idle timeout, so the aggregator never reuses a connection we are closing.
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 125_000;
    server.maxHeadersCount = 0;
    server.on('secureConnection', (socket: Socket) => {
      this.sockets.set(socket, 0);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      const socket = req.socket;
      this.sockets.set(socket, (this.sockets.get(socket) ?? 0) + 1);
      res.on('close', () => {
        // A response closes after its connection when the client went away (a watch, typically): the
        // connection is already forgotten, and setting it again would keep it (and its request) forever.
        if (!this.sockets.has(socket)) return;
        const active = (this.sockets.get(socket) ?? 1) - 1;
        this.sockets.set(socket, active);
        if (this.draining && active === 0) socket.destroy();
      });
    });
    server.on('tlsClientError', () => undefined);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.securePort, this.options.bindAddress, () => resolve());
    });
    this.deps.log.info('serving securely', { address: `${this.options.bindAddress}:${this.port}` });
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.options.securePort;
  }

  /** Fails readiness, stops accepting, lets requests finish within the grace period, then closes the rest. */
  async stop(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.draining = true;
    // Watches never finish on their own: end them cleanly so clients re-watch elsewhere.
    this.watches.closeAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // closeIdleConnections() misses a TLS connection that never sent a request; close every connection with
    // nothing in flight now, and the others as their last request ends (or at the grace period).
    for (const [socket, active] of this.sockets) if (active === 0) socket.destroy();
    const timer = setTimeout(() => {
      for (const socket of this.sockets.keys()) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    this.server = undefined;
  }
}
