// Buffers carved one after another from slabs of 1 MiB: one allocation per MiB instead of one per
// buffer (Node's 8 KiB pool refills every buffer or two at the sizes of Kubernetes objects, and a
// buffer of its own is an external allocation the GC tracks). A slab lives as long as any piece of
// it does, so pieces that are released in about the order they were carved waste little.

const SLAB_BYTES = 1024 * 1024;

export class ByteSlab {
  private slab = Buffer.alloc(0);
  private at = 0;

  /** size bytes, uninitialised; pieces carved one after another lie side by side in one slab. */
  alloc(size: number): Buffer {
    this.reserve(size);
    const bytes = this.slab.subarray(this.at, this.at + size);
    this.at += size;
    return bytes;
  }

  /** text as UTF-8, carved to its exact length. */
  write(text: string): Buffer {
    // Room for the worst case: 3 bytes of UTF-8 per UTF-16 unit.
    this.reserve(text.length * 3);
    const bytes = this.slab.subarray(this.at, this.at + this.slab.write(text, this.at));
    this.at += bytes.length;
    return bytes;
  }

  private reserve(size: number): void {
    if (this.slab.length - this.at >= size) return;
    this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, size));
    this.at = 0;
  }
}
