import type { BenchResults } from './results.js';
import type { Summary } from './stats.js';

/** Requests kube-apiserver served on Leases (the ledger's reads and compare-and-swap writes) during a series. */
export interface LeaseOps {
  gets: number;
  updates: number;
  /** Updates answered 409 Conflict: a decision lost the compare-and-swap and read the ledger again. */
  conflicts: number;
  /** Lease requests per second at rest (kube-apiserver renewing its own identity Lease and the like), subtracted from the above. */
  idlePerSecond: { gets: number; updates: number };
}

/** The account's ledger Lease: live reservations (not expired) and the size of its annotation. */
export interface LedgerState {
  liveEntries: number;
  storedEntries: number;
  annotationBytes: number;
}

/** AdmissionReviews POSTed straight to our server's /admission/accountquota, as kube-apiserver sends them. */
export interface ReviewFigures {
  clients: number;
  /** Round trip as the client saw it (each client sequential, its own keep-alive connection). */
  latency: Summary;
  /** The same requests as the server logged their latency (request start to response end). */
  serverSide: Summary;
  /** Decisions per second over the whole series. */
  perSecond: number;
  allowed: number;
  denied: number;
  /** Non-200 answers or answers without a decision; their first message is in `firstError`. */
  errors: number;
  firstError?: string;
  /** CPU time per decision: our server, and kube-apiserver (which serves the ledger's Lease GET and PUT). */
  serverCpuMs: number;
  apiserverCpuMs: number;
  leaseOps: LeaseOps;
  /** The ledger before the series (expired entries only: each series waits for the previous ones to expire) and after it. */
  ledgerBefore: LedgerState;
  ledgerAfter: LedgerState;
}

/** The burst of creates that fills the account: `concurrency` at a time through kube-apiserver, one ledger. */
export interface FillFigures {
  pods: number;
  seconds: number;
  concurrency: number;
  /** Creates sent again after a failed attempt, and the failures by message. */
  retried: number;
  failures: Record<string, number>;
  /** Successful creates as the client saw them, and the webhook calls as our server logged them. */
  latency: Summary;
  serverSide: Summary;
  serverCpuMs: number;
  apiserverCpuMs: number;
  leaseOps: LeaseOps;
  ledgerAfter: LedgerState;
}

export interface PodCount {
  /** Pods kube-apiserver lists in the account's namespaces. */
  listed: number;
  /** status.total.used.pods of the AccountQuota, as our server's quota controller last wrote it. */
  quotaUsed: string | undefined;
}

export interface QuotaOptions {
  pods: number;
  fillConcurrency: number;
  createSamples: number;
  reviewSamples: number;
  concurrentClients: number;
  warmup: number;
}

export interface QuotaResults {
  schema: 1;
  kind: 'quota-admission';
  startedAt: string;
  finishedAt: string;
  machine: BenchResults['machine'];
  options: QuotaOptions;
  setup: {
    account: string;
    quota: string;
    hard: Record<string, string>;
    spaces: string[];
    plainNamespace: string;
    cpuLimitPerPod: string;
    /** Creating the pods the account holds before the measurements (through kube-apiserver, webhook in the path). */
    fill: FillFigures;
    /** Seconds after the last fill create until the AccountQuota's status counted every pod. */
    statusCatchUpSeconds: number;
  };
  pods: { beforeMeasuring: PodCount; atEnd: PodCount };
  creates: {
    /** Pod creates through kube-apiserver in the account's namespaces: the webhook is in the path. */
    viaWebhook: Summary;
    /** Reference, interleaved with the above: pod creates in a namespace no account owns (no webhook call). */
    noWebhook: Summary;
    /** Our server's own latency for the webhook calls those creates caused. */
    serverSide: Summary;
    /** Failed measured creates by message, prefixed with the series ("account: …", "reference: …"). */
    failures: Record<string, number>;
    /** Measured creates in the account that failed (the webhook denied them, or failed). */
    webhookFailures: number;
    serverCpuMs: number;
    apiserverCpuMs: number;
    leaseOps: LeaseOps;
    ledgerBefore: LedgerState;
    ledgerAfter: LedgerState;
  };
  reviews: { sequential: ReviewFigures; concurrent: ReviewFigures };
  memory: { afterFill: { rssMiB: number; peakMiB: number }; atEnd: { rssMiB: number; peakMiB: number } };
  /** 1-minute load average when the measurements began (the machine is shared). */
  loadAverage: number;
  notes: string[];
}
