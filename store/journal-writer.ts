// The journal's O_DSYNC appends, made on a thread of their own so that the event loop never waits
// for the disk. A group commit is handed over with postMessage; the thread writes it and then
// raises a shared counter. The event loop learns of the completion from that counter whenever it
// next touches the journal (every write does, so a busy server hears of it at once, without a
// turn of the loop), or from the thread's message when nothing else is going on.
import { Worker } from 'node:worker_threads';

/** The thread: one writeSync loop over what it is sent. CommonJS text, so that it needs no file of its own. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const done = new Int32Array(workerData.done);
parentPort.on('message', ({ fd, bytes, length, seq }) => {
  let error;
  try {
    const chunk = new Uint8Array(bytes, 0, length);
    for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written, chunk.length - written);
  } catch (err) {
    error = { message: err.message, code: err.code };
  }
  if (!error) Atomics.store(done, 0, seq);
  parentPort.postMessage({ seq, error, bytes }, [bytes]);
});
`;

/** The smallest buffer a group commit is copied into: most fit, so one buffer goes back and forth. */
const MIN_BUFFER_BYTES = 64 * 1024;

interface InFlight {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * One write at a time: the journal's flush chain never hands over the next group commit before the
 * last is durable. The thread takes some tens of milliseconds to start; until `ready`, the journal
 * writes on the event loop.
 */
export class JournalWriterThread {
  private readonly worker: Worker;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  private inFlight: InFlight | undefined;
  private online = false;
  private failed = false;
  /**
   * The buffer the last write used, handed back by the thread: buffers dropped there would wait
   * for the thread's garbage collector, which its little JavaScript seldom runs (tens of MiB of
   * them, measured while 150,000 pods were written).
   */
  private spare: ArrayBuffer | undefined;

  constructor() {
    // Without the process's own flags (loaders, --input-type): the thread runs this text and nothing else.
    this.worker = new Worker(THREAD_SOURCE, { eval: true, execArgv: [], workerData: { done: this.done.buffer } });
    this.worker.once('online', () => (this.online = true));
    this.worker.on('message', (m: { seq: number; error?: { message: string; code?: string }; bytes: ArrayBuffer }) => {
      if (m.bytes.byteLength > (this.spare?.byteLength ?? 0)) this.spare = m.bytes;
      if (m.error && this.inFlight?.seq === m.seq) this.settle(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else this.poll();
    });
    // A thread that cannot start or dies leaves the writes to the event loop; the one in flight fails.
    this.worker.on('error', (err) => {
      this.failed = true;
      this.settle(err);
    });
    this.worker.on('exit', () => {
      this.failed = true;
      this.settle(new Error('journal writer thread exited'));
    });
    // The thread never keeps the process alive; a write in flight keeps it referenced (see write).
    // After the listeners: adding a 'message' listener references the worker again.
    this.worker.unref();
  }

  /** Started and working: writes can be handed over. */
  get ready(): boolean {
    return this.online && !this.failed;
  }

  /** Appends bytes to fd (opened O_DSYNC); resolves once they are on disk. */
  write(fd: number, chunk: Buffer): Promise<void> {
    if (this.inFlight) return Promise.reject(new Error('journal writer: a write is already in flight'));
    if (!this.ready) return Promise.reject(new Error('journal writer: the thread is not running'));
    // A copy the thread takes over (the chunk may be a view over a slab that is reused), in the
    // buffer it handed back if that is big enough.
    const bytes = this.spare && this.spare.byteLength >= chunk.length ? this.spare : new ArrayBuffer(Math.max(chunk.length, MIN_BUFFER_BYTES));
    this.spare = undefined;
    new Uint8Array(bytes).set(chunk);
    const seq = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      this.inFlight = { seq, resolve, reject };
      this.worker.ref();
      this.worker.postMessage({ fd, bytes, length: chunk.length, seq }, [bytes]);
    });
  }

  /** Settles the write in flight if the thread has finished it. Cheap: one atomic read. */
  poll(): void {
    if (this.inFlight && Atomics.load(this.done, 0) >= this.inFlight.seq) this.settle();
  }

  /** Ends the write in flight: resolved, or rejected with err. */
  private settle(err?: Error): void {
    const inFlight = this.inFlight;
    if (!inFlight) return;
    this.inFlight = undefined;
    this.worker.unref();
    if (err) inFlight.reject(err);
    else inFlight.resolve();
  }

  async close(): Promise<void> {
    this.failed = true;
    await this.worker.terminate();
  }
}
