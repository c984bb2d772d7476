import { Agent, request } from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/** TLS material of one client identity: the CA to trust and the certificate to present. */
export interface ClientTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** The name the server certificate is checked against (our server's certificate names localhost). */
  servername?: string;
}

export interface HttpResult {
  status: number;
  body: string;
  /** Wall time from sending the request to the last byte of the body, in milliseconds. */
  ms: number;
}

export interface RequestInit {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: unknown;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * One HTTPS endpoint on 127.0.0.1 reached with one client certificate over a keep-alive agent. Latency
 * samples must not pay a TLS handshake each, which `agent: false` (as in test/support) would cost.
 */
export class HttpsEndpoint {
  readonly agent: Agent;

  constructor(readonly port: number, private readonly tls: ClientTls, maxSockets = 64) {
    // Loopback only: the benchmark never talks to anything but the sandbox.
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, ca: tls.ca, cert: tls.cert, key: tls.key });
  }

  private options(method: string, path: string, headers: OutgoingHttpHeaders | undefined) {
    return {
      host: '127.0.0.1', port: this.port, method, path, agent: this.agent, headers: { Accept: 'application/json', ...headers },
      ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key, servername: this.tls.servername,
    };
  }

  /** A request whose whole body is read; never rejects on an HTTP status, only on transport errors. */
  request(path: string, init: RequestInit = {}): Promise<HttpResult> {
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    const headers: OutgoingHttpHeaders = { ...init.headers };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const req = request(this.options(init.method ?? 'GET', path, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({
          status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'),
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        }));
      });
      const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${init.method ?? 'GET'} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request(), but fails unless the status is one of `ok`; returns the decoded JSON body. */
  async json<T = Record<string, unknown>>(path: string, init: RequestInit = {}, ok: number[] = [200, 201]): Promise<T> {
    const res = await this.request(path, init);
    if (!ok.includes(res.status)) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${res.body.slice(0, 300)}`);
    return (res.body ? JSON.parse(res.body) : {}) as T;
  }

  /**
   * A long-running GET (a watch): resolves once the response headers arrived with the response, whose
   * body the caller consumes. Rejects on transport errors and on any status but 200.
   */
  stream(path: string, headers: OutgoingHttpHeaders): Promise<{ res: IncomingMessage; close: () => void }> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = request(this.options('GET', path, headers), (res) => {
        answered = true;
        // Only the wait for headers is bounded; once streaming, silence is normal for a watch.
        req.setTimeout(0);
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`watch ${path}: ${String(res.statusCode)}`));
          return;
        }
        resolve({ res, close: () => req.destroy() });
      });
      req.setTimeout(DEFAULT_TIMEOUT_MS, () => {
        if (!answered) req.destroy(new Error(`watch ${path}: no headers within ${DEFAULT_TIMEOUT_MS} ms`));
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
