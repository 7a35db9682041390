// The only owner of state: objects by resource, one resourceVersion counter, indexes, and the
// bounded log of watch events. Writes apply in memory at once (so later writes see them), are
// acknowledged once the persistence adapter has made them durable, and reach watchers in
// resourceVersion order after that.
import { randomUUID } from 'node:crypto';
import { clone, deepFreeze, jsonEqual, type KubeObject } from './object.js';
import { KeyOrderedObjects, keyOrdered, type Mutation, type PersistenceAdapter, type StoreSnapshot } from './persistence.js';
import { JsonCache } from './json-cache.js';
import { SharedSubtrees, type SharedSubtreePaths } from './shared-subtrees.js';
import { alreadyExists, conflict, gone, notFound, serviceUnavailable, type ResourceRef, qualifiedResource } from './status-error.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A change to one object; `previous` is the state before (for selector transitions). */
export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  rv: number;
  object: KubeObject;
  previous?: KubeObject;
}

/** A secondary index: the keys one object is filed under (e.g. a pod's node name). */
export interface Indexer {
  /** The qualified resource (`pods`, `daemonsets.apps`), or `*` for every resource. */
  resource: string;
  name: string;
  keys(obj: KubeObject): readonly string[];
}

export interface WatchOptions {
  namespace?: string;
  /** Deliver events with a resourceVersion above this one (events already in the log are replayed). */
  fromResourceVersion: number;
  onEvent(event: StoreEvent): void;
}

export interface StoreWatch {
  stop(): void;
}

export interface StoreOptions {
  adapter: PersistenceAdapter;
  now?: () => Date;
  /** How many events the watch log keeps; older resourceVersions answer 410 Gone. */
  eventLogCapacity?: number;
  indexers?: readonly Indexer[];
  /** Subtrees that objects of a resource share when they hold the same value there (see SharedSubtrees). */
  sharedSubtrees?: SharedSubtreePaths;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

interface ResourceTable {
  objects: Map<string, KubeObject>;
  /**
   * Sorted keys as of the last read. Never mutated once handed out (a LIST or a continue page may
   * still be walking it); creates and deletes since are kept aside and merged into a new array on
   * the next read, which costs one pass instead of a sort of every key.
   */
  sortedKeys: string[] | undefined;
  /** Keys created since sortedKeys was built. */
  addedKeys: Set<string>;
  /** Keys of sortedKeys deleted since it was built. */
  removedKeys: Set<string>;
  /** index name -> index key -> object keys */
  indexes: Map<string, Map<string, IndexedKeys>>;
  /** Writes to this resource so far (see writesTo). */
  writes: number;
}

/**
 * The keys filed under one index value, and their sorted order until the next change: a
 * controller re-reads the same index entry (a DaemonSet's pods) on every sync, and most syncs
 * follow writes that changed no index.
 */
class IndexedKeys extends Set<string> {
  sorted: string[] | undefined;
}

interface Watcher {
  namespace: string | undefined;
  fromResourceVersion: number;
  onEvent(event: StoreEvent): void;
}

/** RFC 3339 with second precision, as Kubernetes timestamps are serialised. */
export function formatTimestamp(date: Date): string {
  // Writes come many to a second: the text of the last second is kept (a memo, not state).
  const second = Math.floor(date.getTime() / 1000);
  if (second === lastTimestamp.second) return lastTimestamp.text;
  const text = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  lastTimestamp = { second, text };
  return text;
}

let lastTimestamp = { second: Number.NaN, text: '' };

/** MicroTime as the apiserver serialises it (Lease renewTime, request stage times): RFC 3339 with six fractional digits. */
export function formatMicroTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** The index of the first of sorted keys above `after`. */
function firstAfter(keys: readonly string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the first of sorted keys at or above `from`. */
function firstAtOrAfter(keys: readonly string[], from: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ObjectStore {
  private readonly adapter: PersistenceAdapter;
  private readonly now: () => Date;
  private readonly capacity: number;
  private readonly indexers: Map<string, Indexer[]>;
  private readonly tables = new Map<string, ResourceTable>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  private rv = 0;
  /** Events waiting for durability, in resourceVersion order. */
  private undelivered: StoreEvent[] = [];
  /** The ring of delivered events, oldest first. */
  private log: StoreEvent[] = [];
  private logStart = 0;
  /** Watches from at or above this resourceVersion can be served from the log. */
  private oldestServableRV = 0;
  private closed = false;
  /**
   * The JSON text of stored objects, made once per object version: the journal record of a write
   * embeds it, and GET, LIST, write answers and every watcher then send the same bytes.
   */
  readonly json = new JsonCache();
  private readonly sharedSubtrees: SharedSubtrees;

  private constructor(options: StoreOptions) {
    this.adapter = options.adapter;
    this.now = options.now ?? (() => new Date());
    this.capacity = options.eventLogCapacity ?? 100_000;
    this.sharedSubtrees = new SharedSubtrees(options.sharedSubtrees);
    this.indexers = new Map();
    for (const ix of options.indexers ?? []) {
      const list = this.indexers.get(ix.resource) ?? [];
      list.push(ix);
      this.indexers.set(ix.resource, list);
    }
    const everywhere = this.indexers.get('*') ?? [];
    if (everywhere.length) for (const [resource, list] of this.indexers) if (resource !== '*') list.push(...everywhere);
  }

  /** Loads persisted state through the adapter and returns a ready store. */
  static async open(options: StoreOptions): Promise<ObjectStore> {
    const store = new ObjectStore(options);
    const snapshot = await options.adapter.load();
    if (snapshot) store.restore(snapshot);
    options.adapter.attachSnapshotSource?.(() => store.snapshot());
    return store;
  }

  /** True when the store was loaded from an existing data file with objects or history. */
  get resourceVersion(): number {
    return this.rv;
  }

  private restore(snapshot: StoreSnapshot): void {
    this.rv = snapshot.resourceVersion;
    this.oldestServableRV = this.rv;
    for (const [resource, byKey] of Object.entries(snapshot.objects)) {
      const table = this.table(resource);
      const { keys, objects } = keyOrdered(byKey);
      // Freezing is left to the first read (exposed()): a deep walk of every object would be most
      // of the cost of a start with many objects, and most are not read soon after.
      for (let i = 0; i < keys.length; i++) {
        table.objects.set(keys[i]!, objects[i]!);
        this.addToIndexes(resource, table, keys[i]!, objects[i]!);
      }
    }
  }

  /** A stored object on its way out: frozen (restored objects are shared and frozen on their first read). */
  private exposed(resource: string, obj: KubeObject): KubeObject {
    if (Object.isFrozen(obj)) return obj;
    this.sharedSubtrees.share(resource, obj);
    return deepFreeze(obj);
  }

  /**
   * The whole state as it is now, for the adapter's snapshots: the objects are never changed (a
   * write replaces them), so only references are copied. Taken on the event loop, so it is kept
   * to arrays (see KeyOrderedObjects).
   */
  snapshot(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = {};
    for (const [resource, table] of this.tables) {
      if (table.objects.size === 0) continue;
      const keys = this.sortedKeys(table);
      const values = new Array<KubeObject>(keys.length);
      for (let i = 0; i < keys.length; i++) values[i] = table.objects.get(keys[i]!)!;
      objects[resource] = new KeyOrderedObjects(keys, values);
    }
    return { resourceVersion: this.rv, objects };
  }

  private table(resource: string): ResourceTable {
    let table = this.tables.get(resource);
    if (!table) {
      table = { objects: new Map(), sortedKeys: undefined, addedKeys: new Set(), removedKeys: new Set(), indexes: new Map(), writes: 0 };
      this.tables.set(resource, table);
    }
    return table;
  }

  private sortedKeys(table: ResourceTable): string[] {
    const { sortedKeys: keys, addedKeys: added, removedKeys: removed } = table;
    if (keys !== undefined && added.size === 0 && removed.size === 0) return keys;
    // None sorted yet: sort them all; else merge the changes, sorted, into a copy (a compaction's
    // snapshot after many creates would otherwise sort every key again on the event loop).
    if (keys === undefined) {
      table.sortedKeys = [...table.objects.keys()].sort();
    } else {
      const insert = [...added].sort();
      const merged: string[] = new Array<string>(keys.length - removed.size + insert.length);
      let n = 0;
      let j = 0;
      for (const key of keys) {
        if (removed.has(key)) continue;
        while (j < insert.length && insert[j]! < key) merged[n++] = insert[j++]!;
        merged[n++] = key;
      }
      while (j < insert.length) merged[n++] = insert[j++]!;
      table.sortedKeys = merged;
    }
    added.clear();
    removed.clear();
    return table.sortedKeys;
  }

  /** A key is stored: sorted keys learn it on their next read. */
  private keyAdded(table: ResourceTable, key: string): void {
    if (table.sortedKeys === undefined) return;
    // Deleted and created again since the last read: it is still in sortedKeys.
    if (!table.removedKeys.delete(key)) table.addedKeys.add(key);
  }

  /** A key is gone: sorted keys drop it on their next read. */
  private keyRemoved(table: ResourceTable, key: string): void {
    if (table.sortedKeys === undefined) return;
    if (!table.addedKeys.delete(key)) table.removedKeys.add(key);
  }

  /** The indexers of a resource: its own and the `*` ones. */
  private indexersOf(resource: string): Indexer[] {
    let list = this.indexers.get(resource);
    if (!list) this.indexers.set(resource, (list = [...(this.indexers.get('*') ?? [])]));
    return list;
  }

  private addToIndexes(resource: string, table: ResourceTable, key: string, obj: KubeObject): void {
    for (const ix of this.indexersOf(resource)) this.file(table, ix, key, ix.keys(obj));
  }

  private file(table: ResourceTable, ix: Indexer, key: string, values: readonly string[]): void {
    let index = table.indexes.get(ix.name);
    if (!index) table.indexes.set(ix.name, (index = new Map()));
    for (const value of values) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new IndexedKeys()));
      if (keys.has(key)) continue;
      keys.add(key);
      keys.sorted = undefined;
    }
  }

  private removeFromIndexes(resource: string, table: ResourceTable, key: string, obj: KubeObject): void {
    for (const ix of this.indexersOf(resource)) this.unfile(table, ix, key, ix.keys(obj));
  }

  private unfile(table: ResourceTable, ix: Indexer, key: string, values: readonly string[]): void {
    const index = table.indexes.get(ix.name);
    for (const value of values) {
      const keys = index?.get(value);
      if (!keys?.delete(key)) continue;
      keys.sorted = undefined;
      if (keys.size === 0) index!.delete(value);
    }
  }

  /** Moves a replaced object in the indexes whose values for it changed (most writes change none). */
  private reindex(resource: string, table: ResourceTable, key: string, previous: KubeObject, next: KubeObject): void {
    for (const ix of this.indexersOf(resource)) {
      const before = ix.keys(previous);
      const after = ix.keys(next);
      if (before.length === after.length && before.every((v, i) => v === after[i])) continue;
      this.unfile(table, ix, key, before);
      this.file(table, ix, key, after);
    }
  }

  /** The stored (frozen) object, or undefined. */
  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const resource = qualifiedResource(ref);
    const obj = this.tables.get(resource)?.objects.get(objectKey(namespace, name));
    return obj && this.exposed(resource, obj);
  }

  /** Stored objects in key order (namespace, then name), optionally of one namespace. */
  list(ref: ResourceRef, namespace?: string): KubeObject[] {
    const resource = qualifiedResource(ref);
    const table = this.tables.get(resource);
    if (!table) return [];
    const keys = this.sortedKeys(table);
    if (namespace === undefined) return keys.map((k) => this.exposed(resource, table.objects.get(k)!));
    const prefix = `${namespace}/`;
    const out: KubeObject[] = [];
    for (let i = firstAtOrAfter(keys, prefix); i < keys.length && keys[i]!.startsWith(prefix); i++) out.push(this.exposed(resource, table.objects.get(keys[i]!)!));
    return out;
  }

  /** Sorted keys of a resource from `startAfter` on, for paging; objects are fetched with getByKey. */
  keysAfter(ref: ResourceRef, startAfter: string | undefined): readonly string[] {
    const table = this.tables.get(qualifiedResource(ref));
    if (!table) return [];
    const keys = this.sortedKeys(table);
    return startAfter === undefined ? keys : keys.slice(firstAfter(keys, startAfter));
  }

  getByKey(ref: ResourceRef, key: string): KubeObject | undefined {
    const resource = qualifiedResource(ref);
    const obj = this.tables.get(resource)?.objects.get(key);
    return obj && this.exposed(resource, obj);
  }

  /** Watches and consistent list pages can start at or after this resourceVersion; older ones are 410 Gone. */
  get oldestResourceVersion(): number {
    return this.oldestServableRV;
  }

  /**
   * `[key, object]` of a resource in key order after `startAfter`, as they were at resourceVersion
   * rv: the current objects with every change after rv undone from the event log (the `previous`
   * state of a key's first later event, or absent when that event added it). This is how a
   * continue page is served from the first page's snapshot, as etcd serves upstream's. Throws
   * 410 Gone when the log no longer reaches back to rv.
   */
  *entriesAt(ref: ResourceRef, rv: number, startAfter?: string): Generator<[string, KubeObject]> {
    const resource = qualifiedResource(ref);
    const before = this.changedSince(resource, rv);
    const table = this.tables.get(resource);
    const keys = table ? this.sortedKeys(table) : [];
    // Keys deleted since rv are not among the current ones: merge them in, in order.
    const deleted = [...before].filter(([k, v]) => v !== undefined && !table?.objects.has(k) && (startAfter === undefined || k > startAfter)).map(([k]) => k).sort();
    let i = startAfter === undefined ? 0 : firstAfter(keys, startAfter);
    let j = 0;
    while (i < keys.length || j < deleted.length) {
      const key = j >= deleted.length || (i < keys.length && keys[i]! < deleted[j]!) ? keys[i++]! : deleted[j++]!;
      if (before.has(key)) {
        const old = before.get(key);
        if (old) yield [key, this.exposed(resource, old)];
      } else yield [key, this.exposed(resource, table!.objects.get(key)!)];
    }
  }

  /**
   * How many keys of a resource there were at resourceVersion rv after `startAfter` and starting
   * with `prefix` (a LIST page's remainingItemCount), without visiting the objects: the current
   * keys in that range, less those created since rv, plus those deleted since. Throws 410 Gone as
   * entriesAt does.
   */
  countAt(ref: ResourceRef, rv: number, startAfter: string, prefix = ''): number {
    const resource = qualifiedResource(ref);
    const before = this.changedSince(resource, rv);
    const table = this.tables.get(resource);
    const keys = table ? this.sortedKeys(table) : [];
    // The keys starting with prefix sort together, before the first key past all of them.
    const pastPrefix = prefix ? prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1) : undefined;
    const inRange = (k: string) => k > startAfter && k.startsWith(prefix);
    const from = Math.max(firstAfter(keys, startAfter), firstAtOrAfter(keys, prefix));
    let count = Math.max(0, (pastPrefix === undefined ? keys.length : firstAtOrAfter(keys, pastPrefix)) - from);
    for (const [key, old] of before) {
      if (!inRange(key)) continue;
      const now = table?.objects.has(key) ?? false;
      if (now && old === undefined) count--;
      else if (!now && old !== undefined) count++;
    }
    return count;
  }

  /**
   * For each key of a resource changed after rv, what it held at rv (undefined: it did not exist
   * then), from the watch event log and the writes not yet durable. Throws 410 Gone when the log
   * no longer reaches back to rv.
   */
  private changedSince(resource: string, rv: number): Map<string, KubeObject | undefined> {
    if (rv < this.oldestServableRV) throw gone(`too old resource version: ${rv} (${this.oldestServableRV})`);
    const before = new Map<string, KubeObject | undefined>();
    const undo = (event: StoreEvent): void => {
      if (event.resource !== resource) return;
      const key = objectKey(event.object.metadata.namespace, event.object.metadata.name!);
      if (!before.has(key)) before.set(key, event.type === 'ADDED' ? undefined : event.previous);
    };
    if (rv < this.rv) {
      for (let i = this.firstLoggedAfter(rv); i < this.log.length; i++) undo(this.log[i]!);
      for (const event of this.undelivered) if (event.rv > rv) undo(event);
    }
    return before;
  }

  /** The index in the log of the first event after rv (the log is in resourceVersion order). */
  private firstLoggedAfter(rv: number): number {
    let lo = this.logStart;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Objects filed under `value` in the named index. */
  byIndex(ref: ResourceRef, indexName: string, value: string): KubeObject[] {
    const resource = qualifiedResource(ref);
    const table = this.tables.get(resource);
    const keys = table?.indexes.get(indexName)?.get(value);
    if (!table || !keys) return [];
    keys.sorted ??= [...keys].sort();
    return keys.sorted.map((k) => this.exposed(resource, table.objects.get(k)!));
  }

  /**
   * How many writes a resource has seen in this process: while it stays the same, a list of the
   * resource is the same too (for callers that keep one, such as the scheduler's node list).
   */
  writesTo(ref: ResourceRef): number {
    return this.tables.get(qualifiedResource(ref))?.writes ?? 0;
  }

  count(ref: ResourceRef): number {
    return this.tables.get(qualifiedResource(ref))?.objects.size ?? 0;
  }

  /** Stores a new object: assigns uid, creationTimestamp and resourceVersion. Takes ownership of obj. */
  async create(ref: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    this.checkOpen();
    const resource = qualifiedResource(ref);
    const table = this.table(resource);
    const name = obj.metadata.name!;
    const key = objectKey(obj.metadata.namespace, name);
    if (table.objects.has(key)) throw alreadyExists(ref, name);
    const rv = ++this.rv;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = formatTimestamp(this.now());
    obj.metadata.resourceVersion = String(rv);
    this.sharedSubtrees.share(resource, obj);
    deepFreeze(obj);
    table.objects.set(key, obj);
    table.writes++;
    this.keyAdded(table, key);
    this.addToIndexes(resource, table, key, obj);
    await this.commit({ op: 'put', resource, key, rv, object: obj }, { type: 'ADDED', resource, rv, object: obj });
    return obj;
  }

  /**
   * Replaces a stored object. A resourceVersion in obj (or preconditions) must match the stored one,
   * else 409 Conflict. Identity fields are kept from the stored object. An update that changes
   * nothing returns the stored object without a new resourceVersion or event.
   */
  async update(ref: ResourceRef, obj: KubeObject, preconditions: Preconditions = {}): Promise<KubeObject> {
    this.checkOpen();
    const resource = qualifiedResource(ref);
    const table = this.table(resource);
    const name = obj.metadata.name!;
    const key = objectKey(obj.metadata.namespace, name);
    const current = table.objects.get(key);
    if (!current) throw notFound(ref, name);
    this.checkPreconditions(ref, current, { resourceVersion: obj.metadata.resourceVersion, ...preconditions });
    obj.metadata.uid = current.metadata.uid;
    obj.metadata.creationTimestamp = current.metadata.creationTimestamp;
    obj.metadata.resourceVersion = current.metadata.resourceVersion;
    if (jsonEqual(obj, current)) return this.exposed(resource, current);
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    this.sharedSubtrees.share(resource, obj);
    deepFreeze(obj);
    table.objects.set(key, obj);
    table.writes++;
    this.reindex(resource, table, key, current, obj);
    await this.commit({ op: 'put', resource, key, rv, object: obj }, { type: 'MODIFIED', resource, rv, object: obj, previous: this.exposed(resource, current) });
    return obj;
  }

  /** Removes a stored object; returns its final state (with the deletion's resourceVersion). */
  async delete(ref: ResourceRef, namespace: string | undefined, name: string, preconditions: Preconditions = {}): Promise<KubeObject> {
    this.checkOpen();
    const resource = qualifiedResource(ref);
    const table = this.table(resource);
    const key = objectKey(namespace, name);
    const current = table.objects.get(key);
    if (!current) throw notFound(ref, name);
    this.checkPreconditions(ref, current, preconditions);
    const rv = ++this.rv;
    const final = clone(current);
    final.metadata.resourceVersion = String(rv);
    deepFreeze(final);
    table.objects.delete(key);
    table.writes++;
    this.keyRemoved(table, key);
    this.removeFromIndexes(resource, table, key, current);
    await this.commit({ op: 'delete', resource, key, rv }, { type: 'DELETED', resource, rv, object: final, previous: this.exposed(resource, current) });
    return final;
  }

  /** After close() nothing could make a write durable: refuse it rather than acknowledge it. */
  private checkOpen(): void {
    if (this.closed) throw serviceUnavailable('the server is shutting down');
  }

  private checkPreconditions(ref: ResourceRef, current: KubeObject, pre: Preconditions): void {
    const name = current.metadata.name!;
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw conflict(ref, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(ref, name);
    }
  }

  private async commit(mutation: Mutation, event: StoreEvent): Promise<void> {
    this.adapter.append(mutation, this.json);
    this.undelivered.push(event);
    await this.adapter.flush();
    this.deliverThrough(event.rv);
  }

  /** Delivers every durable event up to rv, in order. */
  private deliverThrough(rv: number): void {
    let n = 0;
    while (n < this.undelivered.length && this.undelivered[n]!.rv <= rv) n++;
    if (n === 0) return;
    const ready = this.undelivered.splice(0, n);
    for (const event of ready) {
      this.appendToLog(event);
      for (const w of this.watchers.get(event.resource) ?? []) this.offer(w, event);
    }
  }

  private appendToLog(event: StoreEvent): void {
    this.log.push(event);
    if (this.log.length - this.logStart > this.capacity) {
      this.oldestServableRV = this.log[this.logStart]!.rv;
      this.logStart++;
      // Compact the array now and then instead of shifting on every event.
      if (this.logStart > this.capacity) {
        this.log = this.log.slice(this.logStart);
        this.logStart = 0;
      }
    }
  }

  private offer(w: Watcher, event: StoreEvent): void {
    if (event.rv <= w.fromResourceVersion) return;
    if (w.namespace !== undefined && event.object.metadata.namespace !== w.namespace) return;
    w.onEvent(event);
  }

  /**
   * Starts a watch: replays logged events after fromResourceVersion, then delivers new ones.
   * Throws 410 Gone when that resourceVersion is older than the log.
   */
  watch(ref: ResourceRef, options: WatchOptions): StoreWatch {
    const resource = qualifiedResource(ref);
    if (options.fromResourceVersion < this.oldestServableRV) {
      throw gone(`too old resource version: ${options.fromResourceVersion} (${this.oldestServableRV})`);
    }
    const watcher: Watcher = { namespace: options.namespace, fromResourceVersion: options.fromResourceVersion, onEvent: options.onEvent };
    // Only what came after its resourceVersion: a watch from now replays nothing, however full the log.
    for (let i = this.firstLoggedAfter(options.fromResourceVersion); i < this.log.length; i++) {
      const event = this.log[i]!;
      if (event.resource === resource) this.offer(watcher, event);
    }
    let set = this.watchers.get(resource);
    if (!set) this.watchers.set(resource, (set = new Set()));
    set.add(watcher);
    return { stop: () => set!.delete(watcher) };
  }

  /**
   * Resolves once every write applied so far is durable. Reads wait on it, so that no client sees
   * (or lists at the resourceVersion of) a write that a crash could still take back.
   */
  whenDurable(): Promise<void> {
    if (this.undelivered.length === 0) return Promise.resolve();
    return this.adapter.flush().catch(() => undefined);
  }

  /** The resourceVersion of the newest delivered event (what a watch can start from). */
  get deliveredResourceVersion(): number {
    return this.undelivered.length ? this.undelivered[0]!.rv - 1 : this.rv;
  }

  watcherCount(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  /** Flushes and snapshots through the adapter; the store accepts no more writes after. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchers.clear();
    await this.adapter.close(() => this.snapshot());
  }
}
