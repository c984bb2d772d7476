/**
 * Container image references as the container runtime resolves them (distribution/reference's
 * ParseNormalizedNamed): "nginx" is pulled from docker.io/library/nginx, "x/y" from docker.io/x/y. A
 * policy prefix written either way then matches the image whichever way the pod writes it.
 */

const DOCKER_HUB = 'docker.io';

/**
 * The fully qualified form of an image reference. The first path component names a registry only when it
 * has a '.' or a ':' (a host or a port) or is "localhost"; anything else is a Docker Hub repository, and a
 * Hub repository without a namespace is in "library". Tag and digest are kept as written.
 */
export function normalizeImage(image: string): string {
  const slash = image.indexOf('/');
  const first = slash === -1 ? '' : image.slice(0, slash);
  const isRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = isRegistry ? first : DOCKER_HUB;
  const path = isRegistry ? image.slice(slash + 1) : image;
  // index.docker.io is Docker Hub's old name; the runtime treats both as docker.io.
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  return registry === DOCKER_HUB && !path.includes('/') ? `${DOCKER_HUB}/library/${path}` : `${registry}/${path}`;
}

/**
 * Whether an image starts with one of the prefixes, as written or normalized. A plain string prefix: a
 * registry must be written with its trailing '/' ("registry.example.com/"), else "registry.example.com"
 * would also match "registry.example.com.evil.io/x".
 */
export function imageAllowed(image: string, prefixes: readonly string[]): boolean {
  const normalized = normalizeImage(image);
  return prefixes.some((p) => image.startsWith(p) || normalized.startsWith(p));
}
