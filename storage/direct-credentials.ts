// TLS material and a bearer token applied to each request from what the server was configured with, inline or
// in files. Files are re-read as kubelet and cert-manager rotate them, at most once a minute: the period of
// client-node's token file reader and of client-go's file token source (a pod's projected token is refreshed
// long before it expires, so a minute-old read is always still valid).
import { readFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';

/** Where one piece of credential material comes from: inline bytes, or a file read when needed. */
export type Material = { data: Buffer } | { file: string };

/** What a request needs, as decided at load time (from the pod's ServiceAccount or a plain kubeconfig). */
export interface DirectConfig {
  /** https://host[:port], no trailing slash. */
  server: string;
  ca?: Material;
  cert?: Material;
  key?: Material;
  /** The bearer token; a file's content is trimmed (client-go's file token source), inline text is sent as it is. */
  token?: Material;
  insecureSkipTLSVerify: boolean;
  tlsServerName?: string;
}

/** One request's options, its headers an object (as KubeClient builds them) so the token is set in place. */
export type RequestTarget = RequestOptions & { headers: OutgoingHttpHeaders };

/** How long a file's content is used before it is read again. */
export const REREAD_AFTER_MS = 60_000;

export class DirectCredentials {
  private readonly reads = new Map<string, { bytes: Buffer; at: number }>();

  constructor(private readonly config: DirectConfig, private readonly now: () => number = Date.now) {}

  get server(): string {
    return this.config.server;
  }

  /**
   * Sets on the options what client-node's KubeConfig.applyToHTTPSOptions sets for the same configuration:
   * rejectUnauthorized and servername only when configured, then ca, cert, key, then the Authorization header
   * (the same order, so an unreadable file fails the request with the same error). Async like client-node's,
   * so KubeClient can use either.
   */
  applyTo(opts: RequestTarget): Promise<void> {
    const c = this.config;
    if (c.insecureSkipTLSVerify) opts.rejectUnauthorized = false;
    if (c.tlsServerName) opts.servername = c.tlsServerName;
    if (c.ca) opts.ca = this.bytes(c.ca);
    if (c.cert) opts.cert = this.bytes(c.cert);
    if (c.key) opts.key = this.bytes(c.key);
    if (c.token) {
      const token = 'file' in c.token ? this.bytes(c.token).toString('utf8').trim() : c.token.data.toString('utf8');
      // An empty token sends no header, as client-node's token file reader does.
      if (token) opts.headers.Authorization = `Bearer ${token}`;
    }
    return Promise.resolve();
  }

  /** The material's bytes; a file is read again once its last read is older than REREAD_AFTER_MS. */
  private bytes(material: Material): Buffer {
    if ('data' in material) return material.data;
    const now = this.now();
    const last = this.reads.get(material.file);
    if (last && now - last.at <= REREAD_AFTER_MS) return last.bytes;
    // A failed read throws (the request fails, as with client-node) and keeps nothing: the next request retries.
    const bytes = readFileSync(material.file);
    this.reads.set(material.file, { bytes, at: now });
    return bytes;
  }
}
