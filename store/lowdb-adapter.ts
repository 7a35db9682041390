// The embedded default store: a lowdb JSON document (the snapshot a user can open, diff and commit)
// plus an append-only journal of the mutations since that snapshot. A write is durable once its
// journal record is on disk (written O_DSYNC); writes that arrive together share one such write
// (group commit). The snapshot is rewritten only in the background when the journal grows, and
// on close.
import { writeSync } from 'node:fs';
import { constants, open, rename, readFile, mkdir, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { DATA_LAYOUT_VERSION, keyOrdered, type LoadedState, type Mutation, type ObjectJson, type PersistenceAdapter, type StoreSnapshot } from './persistence.js';
import type { KubeObject } from './object.js';
import { JournalWriterThread } from './journal-writer.js';
import { ByteSlab } from './byte-slab.js';
import { readIfExists } from './files.js';

/** The lowdb document: what the data file holds. */
export interface DataFile {
  kubemock: { layout: number };
  resourceVersion: string;
  objects: StoreSnapshot['objects'];
}

/** A corrupt, foreign or too-new data file: the process must stop instead of starting empty. */
export class DataFileError extends Error {
  override name = 'DataFileError';
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A lowdb adapter that writes a temp file, fsyncs it, renames it over the target, fsyncs the folder. */
export class DurableJSONFile<T> implements Adapter<T> {
  /**
   * serialize yields the file's text in pieces; each piece is written before the next is made.
   * pacing says, at each piece, how many times the time that piece took to make to wait before
   * the next (0: none), so that a background write leaves most of the event loop to requests.
   */
  constructor(
    private readonly filename: string,
    private readonly serialize: (data: T) => Iterable<string> = (data) => [JSON.stringify(data, null, 1)],
    private readonly parse: (bytes: Buffer) => T = (bytes) => JSON.parse(bytes.toString('utf8')) as T,
    private readonly pacing: () => number = () => 0,
  ) {}

  async read(): Promise<T | null> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.filename);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return this.parse(bytes);
    } catch (err) {
      throw new DataFileError(`data file ${this.filename} is not valid JSON (${(err as Error).message}); refusing to start with an empty cluster. Restore it or move it away.`);
    }
  }

  async write(data: T): Promise<void> {
    const temp = path.join(path.dirname(this.filename), `.${path.basename(this.filename)}.tmp`);
    // O_DSYNC: each piece is on disk when its write returns. Written plainly and fsync'd at the
    // end, the whole file (tens of MiB at 50,000 objects) would be flushed at once, and ext4
    // holds the journal's O_DSYNC appends behind that flush: every acknowledgement waited for it.
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC, 0o666);
    try {
      // Piece by piece, so a large snapshot never blocks the event loop for long (writes and
      // watches go on meanwhile; the objects are frozen, so the snapshot stays consistent).
      const pieces = this.serialize(data)[Symbol.iterator]();
      for (;;) {
        const started = performance.now();
        const next = pieces.next();
        if (next.done) break;
        const made = performance.now() - started;
        await handle.write(next.value);
        const pause = made * this.pacing();
        if (pause >= 1) await sleep(pause);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.filename);
    await fsyncDirectory(path.dirname(this.filename));
  }
}

/**
 * The data file's text: the lowdb document with one object per line (valid JSON that diffs object by
 * object, a third smaller and faster to parse than an indented dump), in pieces of about 256 KiB
 * (each is made between writes, so none holds up requests for long):
 *
 *     {"kubemock":{"layout":1},"resourceVersion":"42","objects":{
 *     "pods":{
 *     "default/a":{...},
 *     "default/b":{...}
 *     },
 *     "namespaces":{}
 *     }}
 */
export function* serializeDataFile(data: DataFile): Generator<string> {
  yield `{"kubemock":${JSON.stringify(data.kubemock)},"resourceVersion":${JSON.stringify(data.resourceVersion)},"objects":{`;
  let resources = 0;
  for (const [resource, byKey] of Object.entries(data.objects)) {
    let piece = `${resources++ ? ',' : ''}\n${JSON.stringify(resource)}:{`;
    const { keys, objects } = keyOrdered(byKey);
    for (let i = 0; i < keys.length; i++) {
      piece += `${i ? ',' : ''}\n${JSON.stringify(keys[i])}:${JSON.stringify(objects[i])}`;
      if (piece.length > 1 << 18) {
        yield piece;
        piece = '';
      }
    }
    yield keys.length ? `${piece}\n}` : `${piece}}`;
  }
  yield '\n}}\n';
}

/**
 * Reads a data file. One that serializeDataFile wrote is read line by line, one object at a time,
 * so that no string of the whole file is ever made (V8 cannot make one past 512 MiB, and it would
 * double the memory a start needs); any other JSON (an older, indented file, a hand-made fixture)
 * is parsed whole. Throws SyntaxError on malformed text.
 */
export function parseDataFile(bytes: Buffer): unknown {
  const firstBreak = bytes.indexOf(0x0a);
  const head = firstBreak < 0 ? '' : bytes.toString('utf8', 0, firstBreak);
  if (!head.startsWith('{"kubemock":') || !head.endsWith('"objects":{')) return JSON.parse(bytes.toString('utf8'));
  const doc = JSON.parse(`${head}}}`) as DataFile;
  let byKey: Record<string, KubeObject> | undefined;
  let ended = false;
  for (let pos = firstBreak + 1; pos < bytes.length; ) {
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    let line = bytes.toString('utf8', pos, end);
    pos = end + 1;
    if (line === '') continue;
    if (ended) throw new SyntaxError('text after the end of the document');
    if (line.endsWith(',')) line = line.slice(0, -1);
    if (line === '}}' && byKey === undefined) {
      ended = true;
      continue;
    }
    if (line === '}') {
      if (byKey === undefined) throw new SyntaxError(`unexpected "}" at byte ${pos}`);
      byKey = undefined;
      continue;
    }
    const colon = endOfJsonString(line) + 1;
    if (line[colon] !== ':') throw new SyntaxError(`expected "key": at byte ${pos}`);
    const key = JSON.parse(line.slice(0, colon)) as string;
    const rest = line.slice(colon + 1);
    if (byKey !== undefined) byKey[key] = JSON.parse(rest) as KubeObject;
    else if (rest === '{') doc.objects[key] = byKey = Object.create(null) as Record<string, KubeObject>;
    else if (rest === '{}') doc.objects[key] = Object.create(null) as Record<string, KubeObject>;
    else throw new SyntaxError(`expected a resource at byte ${pos}`);
  }
  if (!ended) throw new SyntaxError('unexpected end of the data file');
  return doc;
}

/** The index of the quote that ends the JSON string starting at text[0]. */
function endOfJsonString(text: string): number {
  if (text[0] !== '"') throw new SyntaxError('expected a string');
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  throw new SyntaxError('unterminated string');
}

/** Encodes one journal record as `<crc32 hex> <json>\n`; the checksum finds torn or corrupt records. */
export function encodeJournalRecord(mutation: Mutation, objectJson?: ObjectJson): string {
  return encodeJournalBytes(mutation, objectJson).toString('utf8');
}

/**
 * encodeJournalRecord as the bytes that are written: the JSON is encoded to UTF-8 once, and the
 * checksum and the file write both use those bytes (every durable write makes one of these). With
 * objectJson, a put embeds the object's cached text (the same text JSON.stringify would write
 * there), so the answers and watch events that follow do not serialise the object again.
 */
function encodeJournalBytes(mutation: Mutation, objectJson?: ObjectJson, slab?: ByteSlab): Buffer {
  if (mutation.op !== 'put' || !objectJson) return frameJournalRecord(JSON.stringify(mutation), undefined, slab);
  const { object, ...head } = mutation;
  return frameJournalRecord(`${JSON.stringify(head).slice(0, -1)},"object":`, objectJson.of(object), slab);
}

/** The records as one buffer: a view over them when they lie side by side in one slab, else a copy. */
function joinRecords(records: readonly Buffer[], total: number): Buffer {
  const first = records[0]!;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < records.length; i++) {
    const r = records[i]!;
    if (r.buffer !== first.buffer || r.byteOffset !== end) return Buffer.concat(records, total);
    end += r.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, total);
}

/** `<crc32 hex> <text><object bytes>}\n` (or `<crc32 hex> <text>\n` without an object). */
function frameJournalRecord(text: string, object: Buffer | undefined, slab?: ByteSlab): Buffer {
  const textLength = Buffer.byteLength(text);
  const length = textLength + (object ? object.length + 1 : 0);
  const bytes = slab ? slab.alloc(length + 10) : Buffer.allocUnsafe(length + 10);
  bytes.write(text, 9, 'utf8');
  if (object) {
    object.copy(bytes, 9 + textLength);
    bytes[9 + length - 1] = 0x7d; // }
  }
  bytes.write(crc32(bytes.subarray(9, 9 + length)).toString(16).padStart(8, '0'), 0, 'latin1');
  bytes[8] = 0x20;
  bytes[length + 9] = 0x0a;
  return bytes;
}

/**
 * Decodes a journal's text. A damaged or unterminated final record (a write torn by a crash, never
 * acknowledged: a chunk is acknowledged only once all of it, newline included, is fsync'd) is
 * dropped; a damaged record followed by intact ones means the file is corrupt, which is an error.
 */
export function decodeJournal(text: string, filename: string): Mutation[] {
  return readJournal(text, filename).records;
}

/** decodeJournal, plus the length (in characters) of the intact prefix of the text. */
function readJournal(text: string, filename: string): { records: Mutation[]; intactLength: number } {
  const records: Mutation[] = [];
  let start = 0;
  let record = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = end < 0 ? text.slice(start) : text.slice(start, end);
    record++;
    if (line === '' && end >= 0) {
      start = end + 1;
      continue;
    }
    const space = line.indexOf(' ');
    const json = line.slice(space + 1);
    const ok = end >= 0 && space === 8 && Number.parseInt(line.slice(0, 8), 16) === crc32(json);
    if (!ok) {
      if (end < 0 || end === text.length - 1) break;
      throw new DataFileError(`journal ${filename} is corrupt at record ${record}; refusing to start. Restore the data file or move it away.`);
    }
    records.push(JSON.parse(json) as Mutation);
    start = end + 1;
  }
  return { records, intactLength: start };
}

/** How long after the first write the writer thread starts (see startWriterSoon). */
const WRITER_START_DELAY_MS = 250;

export interface LowdbAdapterOptions {
  /** Rewrite the snapshot once the journal holds this many bytes. */
  compactAfterBytes?: number;
}

/**
 * Snapshot (lowdb) + journal persistence. Compaction runs beside the journal, not in its way: inside
 * the flush chain (between two journal writes) the snapshot is taken at resourceVersion r
 * (synchronously; stored objects are frozen) and the journal is rotated: renamed to
 * `<data>.journal.old` and replaced by a new, empty one, which takes every write from then on. The
 * snapshot is written in the background; once it is durable the old journal is deleted. Nothing
 * is copied and no write waits for the snapshot. A crash at any point leaves the old snapshot with
 * the old and the new journal (replayed in that order), or the new snapshot with journals whose
 * records up to r replay as no-ops; a start that finds an old journal folds it into the journal.
 */
export class LowdbJournalAdapter implements PersistenceAdapter {
  private readonly file: DurableJSONFile<DataFile>;
  private readonly db: Low<DataFile>;
  private readonly journalPath: string;
  private readonly compactAfterBytes: number;
  private journal: FileHandle | undefined;
  private journalBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Where records are carved (see ByteSlab): those appended between two writes lie side by side, so a write usually sends them without a copy. */
  private readonly slab = new ByteSlab();
  /** The flush in progress (one O_DSYNC write of the pending records) and the one queued behind it. */
  private flushing: Promise<void> = Promise.resolve();
  private queuedFlush: Promise<void> | undefined;
  private snapshotSource: (() => StoreSnapshot) | undefined;
  /** Where a compaction moves the journal it has taken a snapshot of, until the snapshot is durable. */
  private readonly oldJournalPath: string;
  private compaction: Promise<void> | undefined;
  private closed = false;
  /** The thread group commits are written on (see writeChunk), started soon after the first one. */
  private writer: JournalWriterThread | undefined;
  private writerTimer: NodeJS.Timeout | undefined;
  /** Group commits written so far: on the event loop (while the writer thread starts) and on the writer thread. */
  readonly journalWrites = { onLoop: 0, onThread: 0 };

  constructor(private readonly filename: string, options: LowdbAdapterOptions = {}) {
    // A background compaction takes at most a third of the event loop; the one of close() all of it.
    this.file = new DurableJSONFile<DataFile>(filename, serializeDataFile, (bytes) => parseDataFile(bytes) as DataFile, () => (this.closed ? 0 : 2));
    this.db = new Low<DataFile>(this.file, emptyDataFile());
    this.journalPath = `${filename}.journal`;
    this.oldJournalPath = `${filename}.journal.old`;
    this.compactAfterBytes = options.compactAfterBytes ?? 64 * 1024 * 1024;
  }

  async load(): Promise<StoreSnapshot | undefined> {
    await mkdir(path.dirname(this.filename), { recursive: true });
    const stored = await this.file.read();
    const fresh = stored === null;
    if (!fresh) checkLayout(stored, this.filename);
    const data = stored ?? emptyDataFile();
    // A document read from a file holds records (parseDataFile and JSON.parse make nothing else).
    const snapshot: LoadedState = { resourceVersion: Number(data.resourceVersion), objects: data.objects as LoadedState['objects'] };
    // A compaction cut short by a crash leaves the journal it rotated away: its records come first.
    const oldText = await readIfExists(this.oldJournalPath);
    const old = oldText === undefined ? undefined : readJournal(oldText, this.oldJournalPath);
    const journalText = (await readIfExists(this.journalPath)) ?? '';
    const { records, intactLength } = readJournal(journalText, this.journalPath);
    let replayed = 0;
    for (const m of [...(old?.records ?? []), ...records]) {
      if (m.rv <= snapshot.resourceVersion) continue;
      applyMutation(snapshot, m);
      replayed++;
    }
    if (oldText !== undefined) {
      // Fold both into one journal (its records up to the snapshot replay as no-ops), then drop
      // the old one: a crash in between leaves both, whose repeated records replay as no-ops too.
      await this.rewriteJournal(oldText.slice(0, old!.intactLength) + journalText.slice(0, intactLength));
      await unlink(this.oldJournalPath);
      await fsyncDirectory(path.dirname(this.journalPath));
    } else if (journalText === '') await this.rewriteJournal('');
    else {
      // Cut a torn tail so that new records start on a clean line; the intact records stay as they are.
      const intactBytes = intactLength === journalText.length ? Buffer.byteLength(journalText) : Buffer.byteLength(journalText.slice(0, intactLength));
      if (intactLength < journalText.length) await truncate(this.journalPath, intactBytes);
      this.journal = await openJournal(this.journalPath);
      if (intactLength < journalText.length) await this.journal.sync();
      this.journalBytes = intactBytes;
    }
    if (fresh && replayed === 0) return undefined;
    return snapshot;
  }

  attachSnapshotSource(source: () => StoreSnapshot): void {
    this.snapshotSource = source;
  }

  append(mutation: Mutation, objectJson?: ObjectJson): void {
    // Every write passes here: a busy server hears of a finished group commit at once.
    this.writer?.poll();
    const record = encodeJournalBytes(mutation, objectJson, this.slab);
    this.pending.push(record);
    this.pendingBytes += record.length;
  }

  flush(): Promise<void> {
    this.writer?.poll();
    if (this.queuedFlush) return this.queuedFlush;
    // The write starts a turn of the event loop later, not at once: the requests that arrived
    // together are all appended by then and share its fsync, instead of the first one alone.
    const next = this.flushing.then(nextTurn).then(() => {
      this.queuedFlush = undefined;
      return this.writePending();
    });
    this.queuedFlush = next;
    this.flushing = next.catch(() => undefined);
    return next;
  }

  /** Resolves when no compaction is running (tests, close). */
  async whenCompacted(): Promise<void> {
    await this.compaction;
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    // Never acknowledge what was not written.
    if (!this.journal) throw new Error(`journal ${this.journalPath} is not open`);
    const chunk = this.pending.length === 1 ? this.pending[0]! : joinRecords(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    // Durable when the write returns: the journal is opened O_DSYNC (see openJournal).
    await this.writeChunk(this.journal, chunk);
    this.journalBytes += chunk.length;
    if (this.journalBytes >= this.compactAfterBytes && this.snapshotSource && !this.compaction && !this.closed) {
      this.compaction = this.compact(this.snapshotSource).finally(() => {
        this.compaction = undefined;
      });
      // A failed background compaction leaves the journal as it was (still complete); the next flush retries.
      this.compaction.catch(() => undefined);
    }
  }

  /**
   * Writes one group commit, on the writer thread (store/journal-writer.ts) once it runs. Made on
   * the event loop, an O_DSYNC append holds every request, watch and controller for as long as
   * the disk takes: 0.2 ms here when the machine is quiet, 10 to 26 ms with both cores busy, more
   * on a network disk. On its own thread the loop goes on meanwhile, and hears of the completion
   * at its next append or flush (an atomic read) rather than a turn later, as it would from the
   * thread pool. Until the thread has started (see startWriterSoon), and if it ever stops, the
   * write is made here.
   */
  private async writeChunk(journal: FileHandle, chunk: Buffer): Promise<void> {
    this.startWriterSoon();
    if (this.writer?.ready) {
      this.journalWrites.onThread++;
      await this.writer.write(journal.fd, chunk);
      return;
    }
    this.journalWrites.onLoop++;
    for (let written = 0; written < chunk.length; ) written += writeSync(journal.fd, chunk, written, chunk.length - written);
  }

  /**
   * Starts the writer thread a little after the first write, not with it: a server writes its
   * first objects while it starts, and the thread's own start (some tens of milliseconds of CPU)
   * would compete with the server's for the cores.
   */
  private startWriterSoon(): void {
    if (this.writer || this.writerTimer || this.closed) return;
    this.writerTimer = setTimeout(() => {
      if (!this.closed) this.writer = new JournalWriterThread();
    }, WRITER_START_DELAY_MS);
    this.writerTimer.unref();
  }

  /** Takes a snapshot and rotates the journal (between two journal writes), then writes the snapshot and drops the old journal. */
  private async compact(source: () => StoreSnapshot): Promise<void> {
    let snapshot: StoreSnapshot | undefined;
    const rotation = this.flushing.then(async () => {
      // Records still pending here are in the snapshot and go to the new journal: harmless
      // repeats, replayed as no-ops once the snapshot is durable, needed until then.
      snapshot = source();
      await this.journal?.close();
      this.journal = undefined;
      await rename(this.journalPath, this.oldJournalPath);
      this.journal = await openJournal(this.journalPath);
      this.journalBytes = 0;
      // The rename and the new file's name are durable before any write to it is acknowledged.
      await fsyncDirectory(path.dirname(this.journalPath));
    });
    this.flushing = rotation.catch(() => undefined);
    await rotation;
    this.db.data = { kubemock: { layout: DATA_LAYOUT_VERSION }, resourceVersion: String(snapshot!.resourceVersion), objects: snapshot!.objects };
    await this.db.write();
    await unlink(this.oldJournalPath);
    await fsyncDirectory(path.dirname(this.journalPath));
  }

  /** Replaces the journal with text, durably; until the rename the old journal stays in use. */
  private async rewriteJournal(text: string | Buffer): Promise<void> {
    const temp = `${this.journalPath}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.journal?.close();
    this.journal = undefined;
    await rename(temp, this.journalPath);
    await fsyncDirectory(path.dirname(this.journalPath));
    this.journal = await openJournal(this.journalPath);
    this.journalBytes = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  }

  async close(snapshot: () => StoreSnapshot): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.compaction?.catch(() => undefined);
    await this.flush();
    await this.flushing;
    await this.compact(snapshot);
    await this.journal?.close();
    this.journal = undefined;
    clearTimeout(this.writerTimer);
    await this.writer?.close();
  }
}

/**
 * Opens the journal for appending with O_DSYNC: each write returns once its bytes (and the file's
 * new size) are on disk, as write + fdatasync would, in one call instead of two (see writeChunk
 * for where that call is made).
 */
export function openJournal(file: string): Promise<FileHandle> {
  return open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_DSYNC, 0o666);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function emptyDataFile(): DataFile {
  return { kubemock: { layout: DATA_LAYOUT_VERSION }, resourceVersion: '0', objects: {} };
}

function checkLayout(data: unknown, filename: string): asserts data is DataFile {
  const doc = data as Partial<DataFile> | null;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !doc.kubemock || typeof doc.kubemock.layout !== 'number') {
    throw new DataFileError(`data file ${filename} is not a kubemock data file (no "kubemock.layout" field); refusing to start.`);
  }
  if (doc.kubemock.layout > DATA_LAYOUT_VERSION) {
    throw new DataFileError(`data file ${filename} has layout ${doc.kubemock.layout}, newer than this kubemock understands (${DATA_LAYOUT_VERSION}); upgrade kubemock.`);
  }
  if (doc.kubemock.layout < 1 || typeof doc.objects !== 'object' || doc.objects === null) {
    throw new DataFileError(`data file ${filename} has an unknown layout ${doc.kubemock.layout}; refusing to start.`);
  }
}

/** Applies one mutation to loaded state in place. */
export function applyMutation(snapshot: LoadedState, m: Mutation): void {
  const byKey = (snapshot.objects[m.resource] ??= {});
  if (m.op === 'put') byKey[m.key] = m.object;
  else delete byKey[m.key];
  if (m.rv > snapshot.resourceVersion) snapshot.resourceVersion = m.rv;
}
