// The embedded default store: a lowdb JSON document (the snapshot a user can open, diff and commit)
// plus an append-only journal of the mutations since that snapshot. A write is durable once its
// journal record is fsync'd; writes that arrive together share one fsync (group commit). The
// snapshot is rewritten only in the background when the journal grows, and on close.
import { open, rename, readFile, mkdir, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { DATA_LAYOUT_VERSION, type Mutation, type PersistenceAdapter, type StoreSnapshot } from './persistence.js';

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
  constructor(private readonly filename: string) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.filename, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new DataFileError(`data file ${this.filename} is not valid JSON (${(err as Error).message}); refusing to start with an empty cluster. Restore it or move it away.`);
    }
  }

  async write(data: T): Promise<void> {
    const temp = path.join(path.dirname(this.filename), `.${path.basename(this.filename)}.tmp`);
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(data, null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.filename);
    await fsyncDirectory(path.dirname(this.filename));
  }
}

/** Encodes one journal record as `<crc32 hex> <json>\n`; the checksum finds torn or corrupt records. */
export function encodeJournalRecord(mutation: Mutation): string {
  const json = JSON.stringify(mutation);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/**
 * Decodes a journal's text. A damaged final record (a write torn by a crash) is dropped; a damaged
 * record followed by intact ones means the file is corrupt, which is an error.
 */
export function decodeJournal(text: string, filename: string): Mutation[] {
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  const records: Mutation[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const isLast = i === lines.length - 1 || (i === lines.length - 2 && complete);
    const space = line.indexOf(' ');
    const json = line.slice(space + 1);
    const ok = space === 8 && Number.parseInt(line.slice(0, 8), 16) === crc32(json);
    if (!ok) {
      if (isLast) break;
      throw new DataFileError(`journal ${filename} is corrupt at record ${i + 1}; refusing to start. Restore the data file or move it away.`);
    }
    records.push(JSON.parse(json) as Mutation);
  }
  return records;
}

export interface LowdbAdapterOptions {
  /** Rewrite the snapshot once the journal holds this many bytes. */
  compactAfterBytes?: number;
}

/** Snapshot (lowdb) + journal persistence. */
export class LowdbJournalAdapter implements PersistenceAdapter {
  private readonly file: DurableJSONFile<DataFile>;
  private readonly db: Low<DataFile>;
  private readonly journalPath: string;
  private readonly compactAfterBytes: number;
  private journal: FileHandle | undefined;
  private journalBytes = 0;
  private pending: string[] = [];
  /** The flush in progress (writes + fsync) and the one queued behind it. */
  private flushing: Promise<void> = Promise.resolve();
  private queuedFlush: Promise<void> | undefined;
  private snapshotSource: (() => StoreSnapshot) | undefined;
  private compacting = false;
  private closed = false;

  constructor(private readonly filename: string, options: LowdbAdapterOptions = {}) {
    this.file = new DurableJSONFile<DataFile>(filename);
    this.db = new Low<DataFile>(this.file, emptyDataFile());
    this.journalPath = `${filename}.journal`;
    this.compactAfterBytes = options.compactAfterBytes ?? 64 * 1024 * 1024;
  }

  async load(): Promise<StoreSnapshot | undefined> {
    await mkdir(path.dirname(this.filename), { recursive: true });
    const stored = await this.file.read();
    const fresh = stored === null;
    if (!fresh) checkLayout(stored, this.filename);
    const data = stored ?? emptyDataFile();
    const snapshot: StoreSnapshot = { resourceVersion: Number(data.resourceVersion), objects: data.objects };
    let journalText = '';
    try {
      journalText = await readFile(this.journalPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const records = decodeJournal(journalText, this.journalPath);
    let replayed = 0;
    for (const m of records) {
      if (m.rv <= snapshot.resourceVersion) continue;
      applyMutation(snapshot, m);
      replayed++;
    }
    // Rewrite the journal without any torn tail so that new records start on a clean line.
    const intact = records.filter((m) => m.rv > Number(data.resourceVersion)).map(encodeJournalRecord).join('');
    await this.rewriteJournal(intact);
    if (fresh && replayed === 0) return undefined;
    return snapshot;
  }

  attachSnapshotSource(source: () => StoreSnapshot): void {
    this.snapshotSource = source;
  }

  append(mutation: Mutation): void {
    this.pending.push(encodeJournalRecord(mutation));
  }

  flush(): Promise<void> {
    if (this.queuedFlush) return this.queuedFlush;
    const next = this.flushing.then(() => {
      this.queuedFlush = undefined;
      return this.writePending();
    });
    this.queuedFlush = next;
    this.flushing = next.catch(() => undefined);
    return next;
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0 || !this.journal) return;
    const chunk = this.pending.join('');
    this.pending = [];
    await this.journal.write(chunk);
    await this.journal.datasync();
    this.journalBytes += Buffer.byteLength(chunk);
    if (this.journalBytes >= this.compactAfterBytes && this.snapshotSource && !this.compacting) {
      this.compacting = true;
      // Runs inside the flush chain, so no journal write interleaves with the rotation.
      try {
        await this.compact(this.snapshotSource());
      } finally {
        this.compacting = false;
      }
    }
  }

  /** Writes a durable snapshot, then empties the journal (every record in it is in the snapshot). */
  private async compact(snapshot: StoreSnapshot): Promise<void> {
    this.db.data = { kubemock: { layout: DATA_LAYOUT_VERSION }, resourceVersion: String(snapshot.resourceVersion), objects: snapshot.objects };
    await this.db.write();
    // Records appended while the snapshot was written are newer than it and must stay.
    const newer = this.pending.join('');
    this.pending = [];
    await this.rewriteJournal(newer);
  }

  private async rewriteJournal(text: string): Promise<void> {
    await this.journal?.close();
    const temp = `${this.journalPath}.tmp`;
    const handle = await open(temp, 'w');
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
    await rename(temp, this.journalPath);
    await fsyncDirectory(path.dirname(this.journalPath));
    this.journal = await open(this.journalPath, 'a');
    this.journalBytes = Buffer.byteLength(text);
  }

  async close(snapshot: () => StoreSnapshot): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await this.flushing;
    await this.compact(snapshot());
    await this.journal?.close();
    this.journal = undefined;
  }
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

/** Applies one mutation to a snapshot in place. */
export function applyMutation(snapshot: StoreSnapshot, m: Mutation): void {
  const byKey = (snapshot.objects[m.resource] ??= {});
  if (m.op === 'put') byKey[m.key] = m.object;
  else delete byKey[m.key];
  if (m.rv > snapshot.resourceVersion) snapshot.resourceVersion = m.rv;
}
