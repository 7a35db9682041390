// Watch streaming: one chunked HTTP response of newline-delimited JSON events, flushed per event.
// Streams end on timeoutSeconds, on server close, or when a client falls too far behind.
import type { ServerResponse } from 'node:http';
import type { StatusObject } from '../store/status-error.js';

/** Bytes a client may leave unread before its watch is closed (it re-lists, as upstream's clients do). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** Tracks open watch streams so that closing the server ends them (else close() would hang). */
export class WatchStreams {
  private readonly open = new Set<WatchStream>();

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
  private readonly endListeners: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly res: ServerResponse, contentType = 'application/json') {
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

  /** Writes one serialised event line; a client that reads too slowly is disconnected. */
  writeLine(line: string): void {
    if (this.ended) return;
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.end();
      return;
    }
    this.res.write(line);
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
    if (!this.res.writableEnded) this.res.end();
    for (const l of this.endListeners.splice(0)) l();
  }
}
