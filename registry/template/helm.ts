import { isPlainObject, MAX_NESTING_DEPTH, nestsDeeperThan } from './plain-data.js';
import { RenderError } from './render.js';
import type { HelmConfiguration, HelmSecretRef } from './types.js';
import { yamlToJson } from '../../storage/apimachinery/yaml.js';

const helmError = (message: string) => new RenderError('ErrorHelm', `Error during helm template: ${message}`);

/** The repository credentials a Helm template names, checked as Kiosk checks them. */
export function helmSecretRefs(helm: HelmConfiguration): { username?: HelmSecretRef; password?: HelmSecretRef } {
  const repo = helm.chart?.repository;
  const check = (ref: HelmSecretRef | undefined) => {
    if (!ref) return undefined;
    if (!ref.name) throw helmError('secret name must be specifed');
    if (!ref.namespace) throw helmError('secret namespace must be specified');
    if (!ref.key) throw helmError('secret key must be specified');
    return ref;
  };
  const username = check(repo?.username);
  const password = check(repo?.password);
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/**
 * The `helm template` command line Kiosk runs: the release (default the Template's name), the chart from
 * an HTTP repository (--repo, --version), credentials, --set/--set-string, a values file, --include-crds.
 * No release is created and hooks render as ordinary objects, as in Kiosk.
 */
export function helmTemplateArgs(release: string, helm: HelmConfiguration, namespace: string,
  options: { valuesFile?: string; username?: string; password?: string }): string[] {
  const repo = helm.chart?.repository;
  if (!repo) throw helmError('no helm repository given');
  if (!repo.name) throw helmError('chart name cannot be empty');
  if (!repo.repoUrl) throw helmError('repository url cannot be empty');
  const args = ['template', helm.releaseName || release, repo.name, '--repo', repo.repoUrl, '--namespace', namespace];
  if (repo.version) args.push('--version', repo.version);
  if (options.username !== undefined) args.push('--username', options.username);
  if (options.password !== undefined) args.push('--password', options.password);
  for (const v of helm.setValues ?? []) args.push(v.forceString ? '--set-string' : '--set', `${v.name}=${v.value ?? ''}`);
  if (options.valuesFile) args.push('--values', options.valuesFile);
  args.push('--include-crds');
  return args;
}

/**
 * The objects of `helm template`'s multi-document output (empty documents dropped). A chart's output is
 * data too: one nested deeper than MAX_NESTING_DEPTH fails here rather than on the way to kube-apiserver.
 */
export function parseHelmOutput(text: string): Array<Record<string, unknown>> {
  const objects: Array<Record<string, unknown>> = [];
  for (const doc of text.split(/^---\s*$/m)) {
    if (!doc.trim()) continue;
    let value: unknown;
    try {
      value = yamlToJson(doc);
    } catch (err) {
      throw helmError(`parse output: ${(err as Error).message}`);
    }
    if (!isPlainObject(value)) continue;
    if (nestsDeeperThan(value, MAX_NESTING_DEPTH)) throw helmError(`parse output: an object is nested more than ${MAX_NESTING_DEPTH} levels deep`);
    objects.push(value);
  }
  return objects;
}
