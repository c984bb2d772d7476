import { imageAllowed } from './image.js';
import type { Rule } from './rule.js';
import { allowedList, member } from './rule.js';

/** Every list of a pod that runs images; ephemeral containers arrive through pods/ephemeralcontainers. */
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/** The images of a pod by container ("containers/app" -> "nginx"), in the order the pod lists them. */
function imagesOf(pod: unknown): Map<string, string> {
  const images = new Map<string, string>();
  const spec = member(pod, 'spec');
  for (const list of CONTAINER_LISTS) {
    const containers = member(spec, list);
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      const image = member(c, 'image');
      const name = member(c, 'name');
      if (typeof image === 'string') images.set(`${list}/${typeof name === 'string' ? name : `#${String(i)}`}`, image);
    });
  }
  return images;
}

/**
 * A pod's images must start with an allowed registry prefix. On UPDATE only a container whose image changed
 * (or that is new, an ephemeral container) is judged: a pod that ran before the policy can still be labelled,
 * deleted (finalizers) and resized.
 */
export const imagesRule: Rule = ({ account, policy, object, oldObject }) => {
  const allowed = policy.allowedRegistries;
  if (allowed === undefined) return undefined;
  const before = oldObject ? imagesOf(oldObject) : new Map<string, string>();
  for (const [container, image] of imagesOf(object)) {
    if (before.get(container) === image || imageAllowed(image, allowed)) continue;
    return `image "${image}" is not allowed in account ${account} (allowed registries: ${allowedList(allowed)})`;
  }
  return undefined;
};
