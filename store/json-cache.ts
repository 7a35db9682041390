// The JSON text of stored objects, made once per object version however often it is sent: in GET
// and LIST answers, write answers and the watch events of every watcher. Stored objects are frozen
// and replaced (never changed) by a write, so an object's text never goes stale.
import { ByteSlab } from './byte-slab.js';

/** Bytes kept at most before the oldest entries go. */
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/** A bounded map from frozen objects to their JSON text as UTF-8 bytes; the oldest entries go first. */
export class JsonCache {
  private readonly texts = new Map<object, Buffer>();
  /**
   * Cached objects, oldest first from `oldest` on: eviction takes from here rather than from the
   * map's iterator, which would walk past every entry deleted since the map last rehashed on
   * each call (a full cache evicts on every write).
   */
  private order: object[] = [];
  private oldest = 0;
  private bytes = 0;
  /** Where cached texts are written. Entries are evicted in the order they were carved, so a slab is released once eviction has passed all of it. */
  private readonly slab = new ByteSlab();

  constructor(private readonly maxBytes = DEFAULT_MAX_BYTES) {}

  /** JSON.stringify(obj) as bytes, from the cache when obj is frozen (a stored object); never changes obj. */
  of(obj: object): Buffer {
    let bytes = this.texts.get(obj);
    if (bytes !== undefined) return bytes;
    const text = JSON.stringify(obj);
    // Only what cannot change is kept; a huge object is not worth evicting everything else for.
    if (!Object.isFrozen(obj) || text.length > this.maxBytes / 8) return Buffer.from(text);
    bytes = this.slab.write(text);
    this.texts.set(obj, bytes);
    this.order.push(obj);
    this.bytes += bytes.length;
    while (this.bytes > this.maxBytes) {
      const old = this.order[this.oldest++]!;
      this.bytes -= this.texts.get(old)!.length;
      this.texts.delete(old);
    }
    // Drop the evicted head of the queue now and then instead of shifting on every eviction.
    if (this.oldest > 4096 && this.oldest * 2 > this.order.length) {
      this.order = this.order.slice(this.oldest);
      this.oldest = 0;
    }
    return bytes;
  }

  /**
   * The JSON of a response value, as JSON.stringify writes it, where every frozen object or array
   * inside (stored objects and their parts: a list's items, a Table row's metadata) comes from the
   * cache, so that only the answer's own frame is serialised per request.
   */
  compose(value: unknown): Buffer {
    const parts: Array<string | Buffer> = [];
    let text = '';
    const write = (v: unknown): void => {
      if (v === null || typeof v !== 'object') {
        text += JSON.stringify(v) ?? 'null';
        return;
      }
      if (Object.isFrozen(v)) {
        if (text) parts.push(text);
        text = '';
        parts.push(this.of(v));
        return;
      }
      // Nothing below to take from the cache (the cells of a Table row, a list's metadata): one native call.
      if (!hasObjectInside(v) || Object.getPrototypeOf(v) !== (Array.isArray(v) ? Array.prototype : Object.prototype) || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        text += JSON.stringify(v);
        return;
      }
      if (Array.isArray(v)) {
        text += '[';
        v.forEach((e: unknown, i) => {
          if (i) text += ',';
          if (e === undefined || typeof e === 'function' || typeof e === 'symbol') text += 'null';
          else write(e);
        });
        text += ']';
        return;
      }
      text += '{';
      let first = true;
      for (const key of Object.keys(v)) {
        const e = (v as Record<string, unknown>)[key];
        if (e === undefined || typeof e === 'function' || typeof e === 'symbol') continue;
        text += `${first ? '' : ','}${JSON.stringify(key)}:`;
        first = false;
        write(e);
      }
      text += '}';
    };
    write(value);
    if (text) parts.push(text);
    if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0]!;
    let size = 0;
    for (const part of parts) size += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const part of parts) at += typeof part === 'string' ? out.write(part, at) : part.copy(out, at);
    return out;
  }

  get size(): number {
    return this.texts.size;
  }
}

/** Whether a (non-frozen) object or array holds another object or array. */
function hasObjectInside(v: object): boolean {
  if (Array.isArray(v)) {
    for (const e of v) if (e !== null && typeof e === 'object') return true;
    return false;
  }
  for (const key in v) if (Object.hasOwn(v, key) && (v as Record<string, unknown>)[key] !== null && typeof (v as Record<string, unknown>)[key] === 'object') return true;
  return false;
}
