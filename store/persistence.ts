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

/**
 * One resource's objects in key order, as two arrays: how the store hands them out for a snapshot.
 * Taking them is a copy of references, a few milliseconds at 100,000 objects; a record keyed by
 * name takes several times as long, and a compaction takes its snapshot on the event loop.
 */
export class KeyOrderedObjects {
  constructor(
    readonly keys: readonly string[],
    readonly objects: readonly KubeObject[],
  ) {}
}

/** `<namespace>/<name>` -> object: as a data file holds them (a record), or as the store hands them out. */
export type ObjectsByKey = Record<string, KubeObject> | KeyOrderedObjects;

/** Either form as key-ordered arrays (a record's own order: the order it was written or read in). */
export function keyOrdered(byKey: ObjectsByKey): KeyOrderedObjects {
  return byKey instanceof KeyOrderedObjects ? byKey : new KeyOrderedObjects(Object.keys(byKey), Object.values(byKey));
}

/** The whole state: what a snapshot holds and what load() returns. */
export interface StoreSnapshot {
  resourceVersion: number;
  /** resource -> its objects by `<namespace>/<name>`. */
  objects: Record<string, ObjectsByKey>;
}

/** The state as a data file and its journal are read: records, which replayed mutations change in place. */
export interface LoadedState extends StoreSnapshot {
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
