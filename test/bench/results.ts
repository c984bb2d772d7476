import type { GcFigures } from './gc-figures.js';
import type { CpuShares } from './proc.js';
import type { Summary } from './stats.js';

/** Latency of one request type, sequential on a warm keep-alive connection. */
export interface ListFigures {
  /** bench-user (20 spaces) straight to our server's port, front-proxy certificate + X-Remote-* headers. */
  direct: Summary;
  /** The same list through kube-apiserver (aggregator proxy), admin certificate + Impersonate-User. */
  viaApiserver: Summary;
  /** bench-wide-user: 20 spaces too, but in 500 groups (500 X-Remote-Group / Impersonate-Group headers). */
  wideDirect: Summary;
  wideViaApiserver: Summary;
  /** Reference, same run: GET /api/v1/namespaces/<one> as the admin, served by kube-apiserver itself. */
  adminGetNamespace: Summary;
  /** Reference, same run: the group-version discovery document straight from our server as bench-user (same chain, no list). */
  discoveryDirect: Summary;
  /** bench-user's lists as the server itself logged their latency (from request start to response end). */
  serverSide: { direct: Summary; viaApiserver: Summary };
  /** 1-minute load average of the machine when the list measurements began (2 CPUs: above 2 means queueing). */
  loadAverage: number;
  /** CPUs in use during the direct series (1.0 = one CPU): machine, server, benchmark, and everything else. */
  cpuDuringDirect: CpuShares;
  /** The server's garbage collections during the direct series (absent in results from before it was measured). */
  gcDuringDirect?: GcFigures;
  /** Spaces each measured user saw (checked on every warm-up answer). */
  visible: { benchUser: number; wideUser: number };
  /** Seconds waited until the aggregator proxied to the restarted server again. */
  aggregatorWaitSeconds: number;
}

/** Time from sending a RoleBinding create (grant) or delete (revoke) to the change being visible, in ms. */
export interface VisibilityFigures {
  watchGrant: Summary;
  watchRevoke: Summary;
  listGrant: Summary;
  listRevoke: Summary;
  /** The write itself, as the client saw it: kube-apiserver + etcd round trip, part of every figure above. */
  createCall: Summary;
  deleteCall: Summary;
}

export interface StartupFigures {
  /** From the process's start (kernel start time) to the first 200 of /readyz, in seconds. */
  readySeconds: number;
  /** The server's own log: informers started to access index built, in ms. */
  indexBuildMs: number | undefined;
  /** Seconds after ready until the process fell idle (start-up work such as account reconciles). */
  settleSeconds: number;
  /**
   * The account controller re-applies every Account's ClusterRole and ClusterRoleBinding at each start:
   * how many applies kube-apiserver served after the restart, and seconds from ready until all were done.
   */
  reapplied: number;
  reapplySeconds: number;
  /** Memory after the restart, once idle: the footprint of a server started at this size. */
  rssMiB: number;
  peakMiB: number;
  /** V8 heap in use then (the rest of RSS is Node itself, code, buffers and fragmentation). */
  heapUsedMiB: number | undefined;
  /** The benchmark paging through all RoleBindings with limit=500 as the informer does (kube-apiserver's share). */
  roleBindingList: { seconds: number; items: number; pages: number };
}

export interface FanoutEvent {
  /** ms from the write to the first, median, 99th-percentile and last watcher receiving the event. */
  firstMs: number;
  p50Ms: number;
  p99Ms: number;
  lastMs: number;
  /** Server CPU time (all threads, from schedstat) from the write until every watcher had the event. */
  serverCpuMs: number;
  /** The benchmark's own CPU meanwhile (receiving 1,000 TLS streams): it shares the machine with the server. */
  clientCpuMs: number;
}

export interface FanoutFigures {
  watches: number;
  distinctUsers: number;
  /** Seconds to open all watches (TLS handshakes included), and memory with all of them open. */
  openSeconds: number;
  rssWithWatchesMiB: number;
  rssBeforeWatchesMiB: number;
  /** A grant reaching every watcher (ADDED) and its revoke (DELETED), one entry per event. */
  grants: FanoutEvent[];
  revokes: FanoutEvent[];
  /** Last-watcher latency and server CPU per event, over grants and revokes together. */
  lastMs: Summary;
  serverCpuMsPerEvent: Summary;
  /** Server CPU per RoleBinding change that concerns none of the watchers, without and with the watches open. */
  unrelatedCpuMsPerChange: { noWatches: number; withWatches: number; changes: number };
}

export interface SizeResult {
  namespaces: number;
  /** Tenant RoleBindings counted in the cluster (the benchmark's four per namespace and the account controller's one). */
  roleBindings: number;
  accounts: number;
  users: number;
  groups: number;
  /** Seconds to create this size's new objects; then until the account controller had written its bindings; then until our server had caught up. */
  generateSeconds: number;
  objectsCreated: number;
  controllerSeconds: number;
  catchUpSeconds: number;
  /** Memory of the server that received the whole burst of creates, once idle. */
  steady: { rssMiB: number; peakMiB: number; heapUsedMiB: number | undefined };
  startup: StartupFigures;
  lists: ListFigures;
  visibility: VisibilityFigures;
  fanout: FanoutFigures;
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; kubernetes: string; commit: string; dirtyTree: boolean };
  options: BenchOptions;
  sizes: SizeResult[];
  notes: string[];
}

export interface BenchOptions {
  sizes: number[];
  listSamples: number;
  apiserverSamples: number;
  wideSamples: number;
  visibilitySamples: number;
  watches: number;
  fanoutUsers: number;
  fanoutEvents: number;
  unrelatedChanges: number;
}
