// The JSON text of stored objects, made once per object version however often it is sent: in GET
// and LIST answers, write answers and the watch events of every watcher. Stored objects are frozen
// and replaced (never changed) by a write, so an object's text never goes stale.

/** Bytes kept at most before the oldest entries go. */
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/** A bounded map from frozen objects to their JSON text as UTF-8 bytes; the oldest entries go first. */
export class JsonCache {
  private readonly texts = new Map<object, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_BYTES) {}

  /** JSON.stringify(obj) as bytes, from the cache when obj is frozen (a stored object); never changes obj. */
  of(obj: object): Buffer {
    let bytes = this.texts.get(obj);
    if (bytes !== undefined) return bytes;
    const text = JSON.stringify(obj);
    // Unpooled: a kept slice of Buffer's shared 8 KiB pool would keep the whole slab alive.
    bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    bytes.write(text);
    // Only what cannot change is kept; a huge object is not worth evicting everything else for.
    if (Object.isFrozen(obj) && bytes.length <= this.maxBytes / 8) {
      this.texts.set(obj, bytes);
      this.bytes += bytes.length;
      for (const [old, oldBytes] of this.texts) {
        if (this.bytes <= this.maxBytes) break;
        this.texts.delete(old);
        this.bytes -= oldBytes.length;
      }
    }
    return bytes;
  }

  /** The JSON text of `{...head, [key]: items}` from the items' cached bytes (head's values are serialised as they are). */
  listOf(head: Record<string, unknown>, key: string, items: readonly object[]): Buffer {
    let prefix = '{';
    for (const [k, v] of Object.entries(head)) prefix += `${JSON.stringify(k)}:${JSON.stringify(v)},`;
    const parts: Buffer[] = [Buffer.from(`${prefix}${JSON.stringify(key)}:[`)];
    items.forEach((item, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(this.of(item));
    });
    parts.push(CLOSE_LIST);
    return Buffer.concat(parts);
  }

  get size(): number {
    return this.texts.size;
  }
}

const COMMA = Buffer.from(',');
const CLOSE_LIST = Buffer.from(']}');
