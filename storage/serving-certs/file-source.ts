import { readFile } from 'node:fs/promises';
import type { CertificateSource, ServingCertificate } from './certificate-source.js';

/** A certificate given as files (--tls-cert-file/--tls-private-key-file, or a cert-manager Secret volume). */
export class FileCertificateSource implements CertificateSource {
  constructor(private readonly certFile: string, private readonly keyFile: string) {}

  async load(): Promise<ServingCertificate> {
    const [certPem, keyPem] = await Promise.all([readFile(this.certFile, 'utf8'), readFile(this.keyFile, 'utf8')]);
    return { certPem, keyPem };
  }
}
