import type { BindingObject, PolicyRule, RoleObject } from './types.js';

const roleKey = (kind: string, namespace: string, name: string) => (kind === 'ClusterRole' ? `ClusterRole/${name}` : `Role/${namespace}/${name}`);

/** `ClusterRoleBinding/<name>` or `RoleBinding/<ns>/<name>`: unique across both kinds. */
export const bindingKey = (b: BindingObject) =>
  b.metadata.namespace ? `RoleBinding/${b.metadata.namespace}/${b.metadata.name}` : `ClusterRoleBinding/${b.metadata.name}`;

/**
 * Roles, ClusterRoles and their bindings, with the reverse index role -> bindings that referencing it.
 * A role change then touches only the bindings that reference it; a binding resolves its rules from the
 * role it names (a missing role grants nothing, as in RBAC).
 */
export class RbacStore {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly bindings = new Map<string, BindingObject>();
  private readonly bindingsByRole = new Map<string, Set<string>>();

  private roleKeyOf(b: BindingObject): string {
    return roleKey(b.roleRef.kind, b.metadata.namespace ?? '', b.roleRef.name);
  }

  /** Sets (or with undefined, removes) a role; returns the keys of the bindings to re-evaluate. */
  setRole(kind: 'Role' | 'ClusterRole', role: RoleObject, removed = false): string[] {
    const key = roleKey(kind, role.metadata.namespace ?? '', role.metadata.name);
    if (removed) this.roles.delete(key);
    else this.roles.set(key, role.rules ?? []);
    return [...(this.bindingsByRole.get(key) ?? [])];
  }

  /** Sets a binding; returns its key. */
  setBinding(binding: BindingObject): string {
    const key = bindingKey(binding);
    const previous = this.bindings.get(key);
    if (previous) this.unlink(key, previous);
    this.bindings.set(key, binding);
    const rk = this.roleKeyOf(binding);
    let set = this.bindingsByRole.get(rk);
    if (!set) this.bindingsByRole.set(rk, (set = new Set()));
    set.add(key);
    return key;
  }

  deleteBinding(binding: BindingObject): string {
    const key = bindingKey(binding);
    const previous = this.bindings.get(key);
    if (previous) this.unlink(key, previous);
    this.bindings.delete(key);
    return key;
  }

  private unlink(key: string, binding: BindingObject): void {
    const rk = this.roleKeyOf(binding);
    const set = this.bindingsByRole.get(rk);
    set?.delete(key);
    if (set && set.size === 0) this.bindingsByRole.delete(rk);
  }

  binding(key: string): BindingObject | undefined {
    return this.bindings.get(key);
  }

  /** The rules a binding grants: those of the role it references, or none if that role does not exist. */
  rulesOf(binding: BindingObject): PolicyRule[] {
    return this.roles.get(this.roleKeyOf(binding)) ?? [];
  }

  get bindingCount(): number {
    return this.bindings.size;
  }
}
