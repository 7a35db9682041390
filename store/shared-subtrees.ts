// Stored objects are frozen, so objects that hold the same value at the same place can hold one
// copy of it. Objects made from one template (the pods of a DaemonSet, a client's fixtures) repeat
// their containers, tolerations, labels, owner references and managedFields trees; sharing them
// leaves the garbage collector far fewer objects to mark, and less memory to hold.
import { deepFreeze, sameJsonText, type KubeObject } from './object.js';

/**
 * Per qualified resource (`pods`, `daemonsets.apps`, or `*` for every resource), the paths of the
 * subtrees worth sharing; a `*` segment stands for each item of a list.
 */
export type SharedSubtreePaths = Readonly<Record<string, readonly (readonly string[])[]>>;

/** The distinct values remembered per path before it starts afresh (a bound, not a tuning knob). */
const MAX_VALUES_PER_PATH = 1024;

interface SharedPath {
  path: readonly string[];
  /** JSON text -> the frozen value objects share. */
  values: Map<string, unknown>;
  /** The value shared last: objects written one after another (a DaemonSet's pods, a client's batch) mostly repeat it. */
  last?: unknown;
}

export class SharedSubtrees {
  private readonly byResource = new Map<string, SharedPath[]>();
  private readonly everywhere: SharedPath[];

  constructor(paths: SharedSubtreePaths = {}) {
    this.everywhere = (paths['*'] ?? []).map((path) => ({ path, values: new Map() }));
    for (const [resource, list] of Object.entries(paths)) {
      if (resource !== '*') this.byResource.set(resource, [...list.map((path) => ({ path, values: new Map() })), ...this.everywhere]);
    }
  }

  /**
   * Replaces each listed subtree of obj, an object about to be stored and frozen, by the frozen
   * value an earlier object had there when their JSON is the same; else freezes it and remembers
   * it. What is frozen already (kept from the stored version by a copy-on-write patch) is left.
   */
  share(resource: string, obj: KubeObject): void {
    for (const shared of this.byResource.get(resource) ?? this.everywhere) shareAt(obj, shared, 0);
  }
}

function shareAt(container: unknown, shared: SharedPath, depth: number): void {
  if (container === null || typeof container !== 'object' || Object.isFrozen(container)) return;
  const segment = shared.path[depth]!;
  if (segment === '*') {
    if (Array.isArray(container)) for (const item of container) shareAt(item, shared, depth + 1);
    return;
  }
  if (Array.isArray(container)) return;
  const record = container as Record<string, unknown>;
  const value = record[segment];
  if (depth < shared.path.length - 1) return shareAt(value, shared, depth + 1);
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  // Compared in place first: making the text and looking it up costs four times as much.
  if (shared.last !== undefined && sameJsonText(value, shared.last)) {
    record[segment] = shared.last;
    return;
  }
  const text = JSON.stringify(value);
  const known = shared.values.get(text);
  if (known !== undefined) {
    record[segment] = shared.last = known;
    return;
  }
  if (shared.values.size >= MAX_VALUES_PER_PATH) shared.values.clear();
  shared.values.set(text, (shared.last = deepFreeze(value)));
}
