// Watch streaming: one chunked HTTP response of newline-delimited JSON events, flushed per event.
// Streams end on timeoutSeconds, on server close, or when a client falls too far behind.
import type { ServerResponse } from 'node:http';
import type { StatusObject } from '../store/status-error.js';
import { ByteSlab } from '../store/byte-slab.js';
import { JsonCache } from '../store/json-cache.js';

/** Bytes a client may leave unread before its watch is closed (it re-lists, as upstream's clients do). */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

const LINE_END = Buffer.from('}\n');

/** Why a watch's connection was dropped: its client left too much unread. */
export class SlowWatchError extends Error {
  readonly code = 'KUBEMOCK_WATCH_TOO_SLOW';
  constructor(unreadBytes: number) {
    super(`watch client too slow: ${unreadBytes} bytes unread`);
  }
}

export interface WatchStreamsOptions {
  /** Bytes a client may leave unread before its watch is closed (default 32 MiB). */
  maxBufferedBytes?: number;
  /** Where object texts come from (shared with GET and LIST answers). */
  jsonCache?: JsonCache;
}

/**
 * Tracks open watch streams so that closing the server ends them (else close() would hang), and
 * serialises each event once for every watcher that sends it as JSON.
 */
export class WatchStreams {
  private readonly open = new Set<WatchStream>();
  readonly maxBufferedBytes: number;
  private readonly json: JsonCache;
  /** The object whose event lines are cached: the store delivers one event to every watcher in a row. */
  private lastObject: unknown;
  private readonly lastLines = new Map<string, Buffer>();
  /** `{"type":"<type>","object":` per event type, made once. */
  private readonly linePrefixes = new Map<string, Buffer>();
  /**
   * Where event lines are carved: a pod's line (some 4 KiB) is too big for Node's 8 KiB buffer
   * pool, so a Buffer of its own would be an ArrayBuffer per event, which the GC tracks (up to a tenth
   * of a DaemonSet fan-out's CPU went to making and collecting them). Lines are written and let
   * go in about the order they were made, so slabs are released soon after.
   */
  private readonly slab = new ByteSlab();

  constructor(options: WatchStreamsOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.json = options.jsonCache ?? new JsonCache();
  }

  /** A new watch response on res, tracked until it ends. */
  start(res: ServerResponse, contentType = 'application/json'): WatchStream {
    const stream = new WatchStream(res, contentType, this.maxBufferedBytes);
    this.add(stream);
    return stream;
  }

  /**
   * The JSON line of a watch event, as bytes shared by every watcher of the same (frozen) object:
   * serialised once per event instead of once per watcher. The caller must not change object.
   */
  eventLine(type: string, object: object): Buffer {
    if (object !== this.lastObject) {
      this.lastObject = object;
      this.lastLines.clear();
    }
    let line = this.lastLines.get(type);
    if (!line) {
      let prefix = this.linePrefixes.get(type);
      if (!prefix) this.linePrefixes.set(type, (prefix = Buffer.from(`{"type":${JSON.stringify(type)},"object":`)));
      const text = this.json.of(object);
      line = this.slab.alloc(prefix.length + text.length + LINE_END.length);
      prefix.copy(line, 0);
      text.copy(line, prefix.length);
      LINE_END.copy(line, prefix.length + text.length);
      this.lastLines.set(type, line);
    }
    return line;
  }

  add(stream: WatchStream): void {
    this.open.add(stream);
    stream.onEnd(() => this.open.delete(stream));
  }

  get size(): number {
    return this.open.size;
  }

  endAll(): void {
    for (const s of [...this.open]) s.end();
  }
}

/** One watch response. write() serialises nothing itself: callers pass ready lines. */
export class WatchStream {
  private ended = false;
  private corked = false;
  private readonly endListeners: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    contentType = 'application/json',
    private readonly maxBufferedBytes = MAX_BUFFERED_BYTES,
  ) {
    res.writeHead(200, {
      'content-type': contentType,
      'cache-control': 'no-cache, private',
      'transfer-encoding': 'chunked',
    });
    res.flushHeaders();
    res.on('close', () => this.end());
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Ends the stream after the given number of seconds. */
  endAfter(seconds: number): void {
    this.timer = setTimeout(() => this.end(), seconds * 1000);
    this.timer.unref();
  }

  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  /**
   * Writes one serialised event line; a client that reads too slowly (more than maxBufferedBytes
   * left unread) is disconnected, so it cannot hold the server's memory or stall other watchers.
   */
  writeLine(line: string | Buffer): void {
    if (this.ended) return;
    if (this.res.writableLength > this.maxBufferedBytes) {
      this.end();
      // Drop what is queued for it now (ending alone would keep it until the client reads), with
      // one error for all of it: a plain destroy() makes Node build an error, stack and all, for
      // each queued write, which for a client thousands of events behind stalls the event loop
      // (here 0.1 s for 20,000 writes) and with it every other watcher.
      this.res.destroy(new SlowWatchError(this.res.writableLength));
      return;
    }
    // Events made durable together (one group commit) are delivered in one go: cork until the
    // end of this tick so that each watcher gets them in one write, not one syscall per event.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => this.uncork());
    }
    this.res.write(line);
  }

  /** Sends what is corked now (ending or dropping a corked response would lose it on Node 24). */
  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.res.uncork();
  }

  writeEvent(type: string, object: unknown): void {
    this.writeLine(`${JSON.stringify({ type, object })}\n`);
  }

  /** Sends an ERROR event with a Status and ends the stream. */
  fail(status: StatusObject): void {
    this.writeEvent('ERROR', status);
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.uncork();
    if (!this.res.writableEnded) this.res.end();
    for (const l of this.endListeners.splice(0)) l();
  }

  /** Breaks the connection, as a failing network would, once the events written so far are sent. */
  drop(): void {
    if (this.ended) return;
    this.uncork();
    this.res.write('', () => this.res.destroy());
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    for (const l of this.endListeners.splice(0)) l();
  }
}
