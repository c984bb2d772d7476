import { X509Certificate } from 'node:crypto';
import type { VerifiedPeer } from './verified-peer.js';

/**
 * The CAs the TLS server asks clients to present certificates from, by purpose ("front-proxy", "client",
 * "admission", ...). The TLS handshake verifies a client certificate against all of them at once (Node has
 * one `ca` list per secure context); each authenticator then asks whether *its* CA anchored the verified
 * chain, so a certificate from one CA is never taken for another's (a user's client certificate is not a
 * front proxy, an admission caller is not a user).
 *
 * Interface for other code: `set(name, pem)` adds or replaces one named bundle (an empty bundle removes
 * it), `onChange` tells the server to reload its TLS context, `pems()` is the TLS `ca` option and
 * `anchors(name, peer)` answers "did my CA verify this peer?".
 */
export class ClientCaPool {
  private readonly bundles = new Map<string, X509Certificate[]>();
  private readonly listeners: Array<() => void> = [];

  /** Replaces the named bundle; unparsable blocks are dropped (as kube-apiserver does), the rest stays usable. */
  set(name: string, pemBundle: string): void {
    const certs = parsePemBundle(pemBundle);
    const before = this.fingerprints(name).join(',');
    if (certs.length === 0) this.bundles.delete(name);
    else this.bundles.set(name, certs);
    if (this.fingerprints(name).join(',') !== before) for (const l of this.listeners) l();
  }

  /** Called after any bundle changed, so new handshakes verify against the new CAs. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * The TLS server's `ca`: every certificate of every bundle, re-encoded from the parsed form so that a
   * malformed block in a ConfigMap can never make the secure context fail to build.
   */
  pems(): string[] {
    const seen = new Set<string>();
    const pems: string[] = [];
    for (const certs of this.bundles.values()) {
      for (const c of certs) {
        if (seen.has(c.fingerprint256)) continue;
        seen.add(c.fingerprint256);
        pems.push(c.toString());
      }
    }
    return pems;
  }

  /** True when the named bundle holds the CA at the root of the peer's handshake-verified chain. */
  anchors(name: string, peer: VerifiedPeer): boolean {
    return (this.bundles.get(name) ?? []).some((c) => c.fingerprint256 === peer.anchorFingerprint256);
  }

  private fingerprints(name: string): string[] {
    return (this.bundles.get(name) ?? []).map((c) => c.fingerprint256);
  }
}

/** Splits a PEM bundle into certificates; an unparsable block is skipped rather than failing the bundle. */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certs.push(new X509Certificate(block));
    } catch {
      // kube-apiserver also drops what it cannot parse; the remaining CAs stay usable.
    }
  }
  return certs;
}
