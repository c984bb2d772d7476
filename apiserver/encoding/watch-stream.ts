import type { Request, Response } from 'express';
import type { StatusError } from '../../storage/apimachinery/errors.js';
import { toStatusError } from '../../storage/apimachinery/errors.js';
import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { TableConvertor } from '../../registry/table-convertor.js';
import type { OutputTarget } from './table.js';
import { negotiateOutput, parseIncludeObject, toPartialObjectMetadata, toTable } from './table.js';

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Bytes a watcher may have queued in its socket before it counts as not keeping up. */
export const WATCH_BUFFER_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * The bytes queued by all watch streams together. Each stream may queue up to WATCH_BUFFER_LIMIT_BYTES
 * (a large initial list arrives at once), but a hundred watches of one user that stop reading while
 * the user churns their own spaces would queue 400 MiB. Beyond `limitBytes` in total, a stream that
 * writes while it holds more than `fairShareBytes` of the queue is cut off as not keeping up; streams
 * whose clients read (a queue under the fair share) are never cut for others' queues.
 * A stream's share is what its socket had queued after its last write, and zero after 'drain' (which
 * follows every write the socket could not take at once): an overestimate in between, never less.
 */
export class WatchBufferBudget {
  total = 0;

  constructor(readonly limitBytes: number, readonly fairShareBytes: number) {}
}

/** The server's budget: 128 MiB of queued watch events, shares of 64 KiB never cut. */
const sharedWatchBuffers = new WatchBufferBudget(128 * 1024 * 1024, 64 * 1024);

/**
 * One watch response: newline-delimited JSON events, flushed as they come. Objects are converted per
 * event as the Accept header asked (Table rows with the header only on the first event, or
 * PartialObjectMetadata for metadata informers, bookmarks included). A client that stops reading is cut
 * off once its queue passes the limit, so it never holds up the writer or other watchers.
 */
export class WatchStream<T extends Obj> {
  private readonly target: OutputTarget;
  private readonly includeObject: ReturnType<typeof parseIncludeObject>;
  private headersSent = false;
  private firstTableEvent = true;
  private closed = false;
  private onClose: Array<(reason: 'client' | 'slow' | 'done') => void> = [];
  /** This stream's bytes in the budget's total. */
  private queued = 0;

  constructor(private readonly req: Request, private readonly res: Response, private readonly convertor: TableConvertor<T>,
    private readonly kind: { apiVersion: string; kind: string }, private readonly budget: WatchBufferBudget = sharedWatchBuffers) {
    this.target = negotiateOutput(req.headers.accept, { isList: false });
    // Only a Table request reads includeObject, as upstream: a stray value elsewhere is ignored.
    this.includeObject = this.target.kind === 'table' ? parseIncludeObject(req.query.includeObject as string | undefined) : 'Metadata';
    res.on('close', () => this.finish('client'));
    // A socket error surfaces here; unhandled it would end the process, and the client is gone anyway.
    res.on('error', () => this.finish('client'));
    res.on('drain', () => this.account(0));
  }

  /** Records this stream's queue as `bytes` in the shared total. */
  private account(bytes: number): void {
    this.budget.total += bytes - this.queued;
    this.queued = bytes;
  }

  whenClosed(listener: (reason: 'client' | 'slow' | 'done') => void): void {
    this.onClose.push(listener);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes the status line and headers now: clients (and the aggregator) see the watch as established. */
  start(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.res.status(200);
    this.res.setHeader('Content-Type', 'application/json');
    this.res.setHeader('Cache-Control', 'no-cache, private');
    this.res.flushHeaders();
  }

  private encode(obj: T): unknown {
    if (this.target.kind === 'table') {
      const table = toTable([obj], { resourceVersion: obj.metadata.resourceVersion }, this.convertor,
        { version: this.target.version, includeObject: this.includeObject, withHeaders: this.firstTableEvent, now: Date.now() });
      this.firstTableEvent = false;
      return table;
    }
    if (this.target.kind === 'partial') return toPartialObjectMetadata(obj, this.target.version);
    return obj;
  }

  private write(type: WatchEventType, object: unknown): void {
    if (this.closed) return;
    // Writing to an ended response throws from a later tick (ERR_STREAM_WRITE_AFTER_END), which would end
    // the process: a response that ended or broke under us closes the stream instead.
    if (this.res.writableEnded || this.res.destroyed) {
      this.finish('client');
      return;
    }
    this.start();
    this.res.write(JSON.stringify({ type, object }) + '\n');
    const queued = this.res.writableLength;
    this.account(queued);
    const overBudget = this.budget.total > this.budget.limitBytes && queued > this.budget.fairShareBytes;
    if (queued > WATCH_BUFFER_LIMIT_BYTES || overBudget) this.finish('slow');
  }

  /**
   * Sends one event. Called from the index's fan-out, which must never see a throw (it would stop the
   * other watchers' events): an object that cannot be encoded ends this watch with an ERROR event.
   */
  send(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void {
    let encoded: unknown;
    try {
      encoded = this.encode(object);
    } catch (err) {
      this.error(toStatusError(err));
      return;
    }
    this.write(type, encoded);
  }

  /** A BOOKMARK carries only a resourceVersion (and, after initial events, the end-of-initial-events mark). */
  bookmark(resourceVersion: string, initialEventsEnd = false): void {
    const metadata: ObjectMeta = { resourceVersion, ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) };
    let object: unknown;
    if (this.target.kind === 'partial') object = { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${this.target.version}`, metadata };
    else if (this.target.kind === 'table') {
      object = { kind: 'Table', apiVersion: `meta.k8s.io/${this.target.version}`, metadata, columnDefinitions: null, rows: [] };
    } else object = { kind: this.kind.kind, apiVersion: this.kind.apiVersion, metadata };
    this.write('BOOKMARK', object);
  }

  /** An ERROR event with a Status, then the end of the stream (client-go relists on Expired). */
  error(err: StatusError): void {
    this.write('ERROR', err.toStatus());
    this.finish('done');
  }

  finish(reason: 'client' | 'slow' | 'done'): void {
    if (this.closed) return;
    this.closed = true;
    this.account(0);
    if (reason === 'slow') this.res.destroy();
    else if (!this.res.writableEnded) {
      this.start();
      this.res.end();
    }
    for (const l of this.onClose.splice(0)) l(reason);
  }
}
