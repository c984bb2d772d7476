import { Agent, request } from 'node:https';
import type { RequestOptions } from 'node:https';
import { KubeApiError } from './kube-api-error.js';
import type { KubeStatus } from './kube-api-error.js';
import { loadKubeCredentials } from './kube-credentials.js';
import type { KubeCredentials, RequestTarget } from './kube-credentials.js';

export interface RequestParams {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** The media type asked for; JSON unless a path serves only another (the JWKS: application/jwk-set+json). */
  accept?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** How many reused connections in a row one request may find reset before its error is the caller's. */
const MAX_STALE_RETRIES = 3;

/** The connection a request was sent on had been kept alive, and was reset before any answer. */
class StaleConnectionError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/**
 * The one way this server talks to kube-apiserver: JSON over a keep-alive HTTPS agent, credentials from a
 * kubeconfig or the pod's ServiceAccount (applied per request, so rotated tokens are picked up: see
 * kube-credentials.ts), timeouts in one place. Lists and watches are plain paths so informers stay generic over resources.
 */
export class KubeClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly credentials: KubeCredentials) {}

  /**
   * The client for the kubeconfig at `path`, or (none) for the pod's ServiceAccount, found through `env`'s
   * KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT. Async: a kubeconfig this server does not read itself
   * loads @kubernetes/client-node on demand.
   */
  static async fromKubeconfig(path: string | undefined, env: Readonly<Record<string, string | undefined>> = {}): Promise<KubeClient> {
    return new KubeClient(await loadKubeCredentials(path, { env }));
  }

  get server(): string {
    return this.credentials.server;
  }

  private async options(method: string, params: RequestParams): Promise<RequestTarget> {
    const opts: RequestTarget = { method, agent: this.agent, headers: { Accept: params.accept ?? 'application/json' } };
    await this.credentials.applyTo(opts);
    opts.agent = this.agent;
    if (params.body !== undefined) {
      (opts.headers as Record<string, string>)['Content-Type'] = params.contentType ?? 'application/json';
    }
    return opts;
  }

  private url(path: string, query: RequestParams['query']): URL {
    const url = new URL(this.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** One request; resolves with the decoded JSON body, rejects with KubeApiError for any non-2xx status. */
  async request<T>(method: string, path: string, params: RequestParams = {}): Promise<T> {
    // A name of "." or ".." (encodeURIComponent leaves dots alone) would be resolved away by the URL parser and
    // address the collection or the group instead: no object has such a name (IsValidPathSegmentName).
    if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
      throw new KubeApiError(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' },
        `${method} ${path}: 404 dot segment`);
    }
    const opts = await this.options(method, params);
    const url = this.url(path, params.query);
    const payload = params.body === undefined ? undefined : typeof params.body === 'string' ? params.body : JSON.stringify(params.body);
    // Node neither sets Content-Length nor chunks the body of a DELETE; without the header kube-apiserver
    // reads the body as the start of the next request on the kept-alive connection.
    if (payload !== undefined) (opts.headers as Record<string, string | number>)['Content-Length'] = Buffer.byteLength(payload);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send<T>(method, path, url, opts, payload, params);
      } catch (err) {
        if (!(err instanceof StaleConnectionError)) throw err;
        // kube-apiserver closes a connection it kept idle (Go's IdleTimeout) and the close crossed our next
        // request on it, which it therefore never read: send it again, as Node documents for reusedSocket.
        // A create is the exception: if the reset came after kube-apiserver acted, a second one would
        // duplicate a generateName object, so its caller sees the error. Fresh connections are not retried,
        // and a pool of stale connections is drained at most MAX_STALE_RETRIES deep.
        if (method === 'POST' || attempt > MAX_STALE_RETRIES || params.signal?.aborted) throw err.cause;
      }
    }
  }

  /** One attempt; a reset of a reused keep-alive connection rejects with StaleConnectionError. */
  private send<T>(method: string, path: string, url: URL, opts: RequestOptions, payload: string | undefined, params: RequestParams): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = request(url, { ...opts, timeout: params.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: params.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          if (code >= 200 && code < 300) return resolve(body as T);
          const status = body && typeof body === 'object' && (body as KubeStatus).kind === 'Status' ? (body as KubeStatus) : undefined;
          reject(new KubeApiError(code, status, `${method} ${path}: ${code} ${status?.message ?? text.slice(0, 200)}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${params.timeoutMs ?? DEFAULT_TIMEOUT_MS}ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleConnectionError(err) : err));
      req.end(payload);
    });
  }

  /**
   * A watch stream: calls onEvent for each JSON line until the server ends it, the signal aborts, or an
   * error occurs. Resolves when the stream ends normally; rejects on errors (including non-200 answers).
   * `onOpen` is called once kube-apiserver has accepted the watch (200), before any event.
   */
  async watch<T>(path: string, query: RequestParams['query'], onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    const opts = await this.options('GET', {});
    const url = this.url(path, { ...query, watch: 'true' });
    return new Promise<void>((resolve, reject) => {
      const req = request(url, { ...opts, signal }, (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let status: KubeStatus | undefined;
            try { status = JSON.parse(text) as KubeStatus; } catch { status = undefined; }
            reject(new KubeApiError(res.statusCode ?? 0, status, `watch ${path}: ${String(res.statusCode)} ${status?.message ?? text.slice(0, 200)}`));
          });
          return;
        }
        onOpen?.();
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line.trim()) onEvent(JSON.parse(line) as WatchEvent<T>);
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
        res.on('aborted', () => reject(new Error(`watch ${path}: connection aborted`)));
      });
      req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One line of a watch stream: an object of the watched resource, or (ERROR) the Status that ends the watch. */
export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: KubeStatus };
