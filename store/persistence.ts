// The persistence contract: the store hands every mutation to an adapter and acknowledges a write
// only when the adapter says it is durable. Adapters never interpret objects.
import type { KubeObject } from './object.js';

/** Layout version of the data file; bumped when the on-disk shape changes. */
export const DATA_LAYOUT_VERSION = 1;

/** One stored mutation, keyed by `<resource>` and `<namespace>/<name>`. */
export type Mutation =
  | { op: 'put'; resource: string; key: string; rv: number; object: KubeObject }
  | { op: 'delete'; resource: string; key: string; rv: number };

/** The JSON text (UTF-8) of a stored object, made once per object version. */
export interface ObjectJson {
  of(obj: KubeObject): Buffer;
}

/** The whole state: what a snapshot holds and what load() returns. */
export interface StoreSnapshot {
  resourceVersion: number;
  /** resource -> `<namespace>/<name>` -> object. */
  objects: Record<string, Record<string, KubeObject>>;
}

export interface PersistenceAdapter {
  /** Reads the persisted state; undefined for a fresh store. Throws on a corrupt or foreign file. */
  load(): Promise<StoreSnapshot | undefined>;
  /**
   * Queues a mutation; it becomes durable at the next flush. Called in resourceVersion order.
   * objectJson gives the stored object's JSON text, shared with the API's answers and watches.
   */
  append(mutation: Mutation, objectJson?: ObjectJson): void;
  /** Resolves once every mutation appended so far is durable (group commit). */
  flush(): Promise<void>;
  /** Makes everything durable and releases files. */
  close(snapshot: () => StoreSnapshot): Promise<void>;
  /** Lets the adapter compact by taking a snapshot when it chooses. */
  attachSnapshotSource?(snapshot: () => StoreSnapshot): void;
}

/** Keeps nothing: for tests and in-process clusters with `data: 'memory'`. */
export class MemoryAdapter implements PersistenceAdapter {
  private readonly initial: StoreSnapshot | undefined;

  constructor(initial?: StoreSnapshot) {
    this.initial = initial;
  }

  async load(): Promise<StoreSnapshot | undefined> {
    return this.initial;
  }

  append(): void {}

  flush(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {}
}
