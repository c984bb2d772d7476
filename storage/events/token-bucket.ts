/**
 * A token bucket (client-go's flowcontrol rate limiter in small): up to `burst` tokens, refilled at `qps`
 * per second. take() never waits; delayMs() says how long until one is available, so the caller owns the
 * timer (and can stop it).
 */
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(private readonly qps: number, private readonly burst: number, private readonly now: () => number = Date.now) {
    this.tokens = burst;
    this.updated = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updated) / 1000) * this.qps);
    this.updated = now;
  }

  /** Takes a token if one is available. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until take() will succeed (0 when it would now). */
  delayMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * 1000);
  }
}
