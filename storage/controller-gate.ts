/** Something that runs in the background between start() and stop(): a controller and its workqueue. */
export interface Startable {
  start(): void;
  stop(): void;
}

/**
 * Every replica serves the API and the webhooks from its own caches; the controllers run only in the
 * replica holding the leader Lease, and only once the caches they read have synced. This runs them while
 * both hold, and stops them when leadership is lost (another replica's controllers take over).
 */
export class ControllerGate {
  private leading = false;
  private synced = false;

  constructor(private readonly controllers: readonly Startable[]) {}

  /** The leader Lease was taken. */
  startedLeading(): void {
    this.leading = true;
    this.startIfReady();
  }

  /** The leader Lease was lost (or released). */
  stoppedLeading(): void {
    this.leading = false;
    this.stop();
  }

  /** The caches the controllers read have completed their first list. */
  cachesSynced(): void {
    this.synced = true;
    this.startIfReady();
  }

  /** Stops every controller (they may be started again). */
  stop(): void {
    for (const c of this.controllers) c.stop();
  }

  private startIfReady(): void {
    if (this.leading && this.synced) for (const c of this.controllers) c.start();
  }
}
