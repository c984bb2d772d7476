// The kubeconfig files this server reads without @kubernetes/client-node: the current context's cluster (server,
// CA, insecure-skip-tls-verify, tls-server-name) and user (client certificate and key, token, tokenFile), each
// inline or in a file. That covers what an operator writes for a server's own identity. Anything else (exec,
// auth-provider, basic auth, impersonation, a proxy, a plain-http server, a field this file does not know, an
// entry client-node would reject) is left to client-node's KubeConfig, so its semantics are never approximated.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { load } from 'js-yaml';
import type { DirectConfig, Material } from './direct-credentials.js';

/** Either the configuration to apply directly, or why client-node's KubeConfig must read this file. */
export type KubeconfigReading = { direct: DirectConfig } | { fallback: string };

const CLUSTER_FIELDS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'extensions']);
const USER_FIELDS = new Set(['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'extensions']);
const CONTEXT_FIELDS = new Set(['cluster', 'user', 'namespace', 'extensions']);

type Mapping = Record<string, unknown>;

const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the kubeconfig at `path` (js-yaml's default schema, as client-node loads it). Throws a clear Error when
 * the file cannot be read or parsed, or names no usable current context or cluster; anything it does not
 * handle exactly as client-node does is a `fallback`.
 */
export function readKubeconfig(path: string): KubeconfigReading {
  let doc: unknown;
  try {
    doc = load(readFileSync(path, 'utf8'));
  } catch (err) {
    // Read as a property, not by instanceof: fs errors may come from another realm (Jest's VM modules).
    const message = typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string' ? err.message : String(err);
    throw new Error(`kubeconfig ${path}: ${message}`, { cause: err });
  }
  if (!isMapping(doc)) throw new Error(`kubeconfig ${path}: not a kubeconfig (no YAML mapping)`);
  const clusters = entries(doc.clusters);
  const users = entries(doc.users);
  const contexts = entries(doc.contexts);
  const malformed = malformedEntry(clusters, users, contexts);
  if (malformed) return { fallback: malformed };

  const current = doc['current-context'];
  if (typeof current !== 'string' || !current) throw new Error(`kubeconfig ${path} has no current-context`);
  const context = find(contexts, current, 'context');
  if (!context) throw new Error(`kubeconfig ${path}: current-context "${current}" is not among its contexts`);
  const unknownInContext = unknownField(context, CONTEXT_FIELDS);
  if (unknownInContext) return { fallback: `context field ${unknownInContext}` };
  if (typeof context.cluster !== 'string') return { fallback: 'a context whose cluster is no string' };
  const cluster = find(clusters, context.cluster, 'cluster');
  if (!cluster) throw new Error(`kubeconfig ${path}: context "${current}" names cluster "${context.cluster}", which is not among its clusters`);
  // client-node applies nothing at all (not even the cluster's CA) for a context without a user it finds.
  if (typeof context.user !== 'string' || !context.user) return { fallback: 'a context without a user' };
  const user = find(users, context.user, 'user');
  if (!user) return { fallback: `user "${context.user}" is not among its users` };
  return plainConfig(cluster, user, dirname(path));
}

/** A list of entries as client-node reads one: anything but a list is none. */
function entries(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The first entry named `name`, by its inner object (client-node's findObject); undefined when absent. */
function find(list: unknown[], name: string, key: string): Mapping | undefined {
  for (const entry of list) {
    if (isMapping(entry) && entry.name === name) return isMapping(entry[key]) ? entry[key] : {};
  }
  return undefined;
}

/** Why some entry is not one client-node loads without error or side effect (it reads `token-file` at load). */
function malformedEntry(clusters: unknown[], users: unknown[], contexts: unknown[]): string | undefined {
  const named = (e: unknown): e is Mapping => isMapping(e) && typeof e.name === 'string' && e.name !== '';
  for (const c of clusters) if (!named(c) || !isMapping(c.cluster) || typeof c.cluster.server !== 'string' || !c.cluster.server) return 'a cluster entry without name or server';
  for (const u of users) {
    if (!named(u) || (u.user !== undefined && u.user !== null && !isMapping(u.user))) return 'a user entry without name';
    if (isMapping(u.user) && 'token-file' in u.user) return 'a user with token-file';
  }
  for (const x of contexts) if (!named(x) || !isMapping(x.context) || !x.context.cluster) return 'a context entry without name or cluster';
  return undefined;
}

function unknownField(m: Mapping, known: Set<string>): string | undefined {
  return Object.keys(m).find((k) => !known.has(k));
}

/** An optional string field: absent, null and '' are unset (client-node tests truthiness); any other type is not plain. */
function optionalString(m: Mapping, key: string): string | undefined | null {
  const v = m[key];
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : null;
}

/** The cluster and user as a DirectConfig, when every field is one this file applies as client-node does. */
function plainConfig(cluster: Mapping, user: Mapping, root: string): KubeconfigReading {
  const unknown = unknownField(cluster, CLUSTER_FIELDS) ?? unknownField(user, USER_FIELDS);
  if (unknown) return { fallback: `field ${unknown}` };
  const server = cluster.server as string;
  if (!server.startsWith('https://')) return { fallback: 'a server that is not https' };
  const insecure = cluster['insecure-skip-tls-verify'];
  if (insecure !== undefined && insecure !== null && typeof insecure !== 'boolean') return { fallback: 'insecure-skip-tls-verify is no boolean' };

  const fields = ['certificate-authority', 'certificate-authority-data', 'tls-server-name'].map((k) => optionalString(cluster, k))
    .concat(['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile'].map((k) => optionalString(user, k)));
  if (fields.includes(null)) return { fallback: 'a field that is no string' };
  const [caFile, caData, tlsServerName, certFile, certData, keyFile, keyData, token, tokenFile] = fields as (string | undefined)[];
  // client-node sends the inline token and ignores tokenFile; client-go re-reads the file and keeps the token
  // only for when it cannot: with both set, which one is meant is client-node's call.
  if (token && tokenFile) return { fallback: 'both token and tokenFile' };

  // Relative paths are relative to the kubeconfig's folder (client-go's ResolvePaths; client-node's
  // makePathsAbsolute for the certificate files). A file wins over inline data, as in client-node.
  const material = (file: string | undefined, data: string | undefined): Material | undefined =>
    file ? { file: isAbsolute(file) ? file : resolve(root, file) } : data ? { data: Buffer.from(data, 'base64') } : undefined;
  return {
    direct: {
      server: server.replace(/\/$/, ''),
      ca: material(caFile, caData),
      cert: material(certFile, certData),
      key: material(keyFile, keyData),
      // tokenFile is client-go's field: client-node 1.4 reads none by that name (only `token-file`, once, at load).
      token: token ? { data: Buffer.from(token, 'utf8') } : tokenFile ? { file: isAbsolute(tokenFile) ? tokenFile : resolve(root, tokenFile) } : undefined,
      insecureSkipTLSVerify: insecure === true,
      tlsServerName,
    },
  };
}
