import type { Logger } from '../logger.js';
import type { CaBundleInjector } from './ca-bundle-injector.js';
import type { CertificateSource, ServingCertificate } from './certificate-source.js';
import { sameCertificate } from './certificate-source.js';

/** A minute between checks: renewal is months ahead, and a wiped caBundle (a re-applied manifest) heals soon. */
const CHECK_INTERVAL_MS = 60_000;
/** After a failed check (the APIService not created yet, an apiserver blip) look again sooner. */
const RETRY_INTERVAL_MS = 10_000;

/**
 * Serves the current certificate: loads it at start, then checks the source every minute, hands a changed
 * certificate to onChange (the TLS context is swapped, open connections keep theirs), and re-injects the CA
 * bundle into the APIService and webhooks when the source knows it.
 */
export class CertificateKeeper {
  private timer: NodeJS.Timeout | undefined;
  private current: ServingCertificate | undefined;
  private injectedOnce = false;
  private stopped = false;

  constructor(
    private readonly source: CertificateSource,
    private readonly injector: CaBundleInjector | undefined,
    private readonly log: Logger,
  ) {}

  /** The first load: the server cannot listen without a certificate, so its failure is the caller's. */
  async load(): Promise<ServingCertificate> {
    this.current = await this.source.load();
    return this.current;
  }

  /** The certificate served now, or undefined before load() (metrics read it without failing). */
  get loaded(): ServingCertificate | undefined {
    return this.current;
  }

  get certificate(): ServingCertificate {
    if (!this.current) throw new Error('the serving certificate has not been loaded');
    return this.current;
  }

  /** Injects the bundle now and keeps checking; onChange gets each certificate that differs from the last. */
  start(onChange: (certificate: ServingCertificate) => void): void {
    const tick = async (): Promise<void> => {
      const next = await this.source.load();
      if (!sameCertificate(this.current, next)) {
        this.log.info('serving certificate changed; new connections get the new one');
        this.current = next;
        onChange(next);
      }
      if (this.injector && !this.injector.empty && next.caBundlePem) {
        const changed = await this.injector.inject(next.caBundlePem);
        if (changed.length > 0 || !this.injectedOnce) this.log.info('CA bundle injected', { changed });
        this.injectedOnce = true;
      }
    };
    const schedule = (ms: number) => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void run(), ms);
      this.timer.unref();
    };
    const run = async () => {
      try {
        await tick();
        schedule(CHECK_INTERVAL_MS);
      } catch (err) {
        this.log.error('checking the serving certificate or injecting the CA bundle failed; retrying', err);
        schedule(RETRY_INTERVAL_MS);
      }
    };
    void run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
