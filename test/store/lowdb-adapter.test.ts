import t from 'tap';
import { appendFile, constants, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ObjectStore } from '../../store/store.js';
import { DataFileError, DurableJSONFile, LowdbJournalAdapter, decodeJournal, encodeJournalRecord, parseDataFile, serializeDataFile } from '../../store/lowdb-adapter.js';
import type { KubeObject } from '../../store/object.js';
import { JsonCache } from '../../store/json-cache.js';
import { throwsStatus } from '../helpers/status.js';

const PODS = { group: '', resource: 'pods' };

function pod(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' } };
}

t.test('objects and the resourceVersion counter survive a close and reopen', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const first = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  const a = await first.create(PODS, pod('a'));
  await first.create(PODS, pod('b'));
  await first.close();
  const doc = JSON.parse(await readFile(file, 'utf8'));
  t.equal(doc.kubemock.layout, 1);
  t.equal(doc.resourceVersion, '2');
  const second = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.same(second.get(PODS, 'default', 'a'), a, 'same uid, resourceVersion and timestamps');
  const c = await second.create(PODS, pod('c'));
  t.equal(c.metadata.resourceVersion, '3', 'the counter continues');
  await second.close();
});

t.test('writes acknowledged before a crash are replayed from the journal', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  await Promise.all(['a', 'b', 'c'].map((n) => store.create(PODS, pod(n))));
  await store.delete(PODS, 'default', 'b');
  // No close(): the snapshot was never rewritten, only the journal holds these writes.
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.same(reopened.list(PODS).map((p) => p.metadata.name), ['a', 'c']);
  t.equal(reopened.resourceVersion, 4);
});

t.test('a torn final journal record is ignored', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  await store.create(PODS, pod('a'));
  const torn = encodeJournalRecord({ op: 'put', resource: 'pods', key: 'default/b', rv: 2, object: pod('b') });
  await appendFile(`${file}.journal`, torn.slice(0, torn.length - 10));
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.same(reopened.list(PODS).map((p) => p.metadata.name), ['a']);
  const b = await reopened.create(PODS, pod('b'));
  t.equal(b.metadata.resourceVersion, '2');
  const again = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.same(again.list(PODS).map((p) => p.metadata.name), ['a', 'b'], 'records after a repaired tear are intact');
});

t.test('a journal record embeds the object text the store shares with answers and watches', async (t) => {
  const json = new JsonCache();
  const object = Object.freeze({ ...pod('ü-text'), spec: { note: 'a "quoted" ünïcode value' } }) as KubeObject;
  const mutation = { op: 'put' as const, resource: 'pods', key: 'default/ü-text', rv: 3, object };
  const shared = encodeJournalRecord(mutation, json);
  t.equal(shared, encodeJournalRecord(mutation), 'the same record as JSON.stringify of the whole mutation');
  t.equal(json.of(object).toString(), JSON.stringify(object), 'the object text is cached for the answers that follow');
  t.equal(json.size, 1);
  t.same(decodeJournal(shared, 'j'), [mutation]);
  const dir = t.testdir();
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(path.join(dir, 'data.json')) });
  const created = await store.create(PODS, pod('a'));
  t.equal(store.json.size, 1, 'a durable write leaves its object text in the store cache');
  t.equal(store.json.of(created).toString(), JSON.stringify(created));
});

t.test('a corrupt record in the middle of the journal is an error, not an empty cluster', async (t) => {
  const good = encodeJournalRecord({ op: 'delete', resource: 'pods', key: 'default/a', rv: 1 });
  const text = good.replace('"rv":1', '"rv":7') + good;
  t.throws(() => decodeJournal(text, 'j'), DataFileError);
});

t.test('a data file that is not JSON stops the start with a clear error', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  await writeFile(file, '{"kubemock": {"layout": 1}, "objects": {');
  await t.rejects(ObjectStore.open({ adapter: new LowdbJournalAdapter(file) }), { name: 'DataFileError', message: /not valid JSON/ });
});

t.test('a data file of a newer or unknown layout is refused with a message', async (t) => {
  const dir = t.testdir();
  const newer = path.join(dir, 'newer.json');
  await writeFile(newer, JSON.stringify({ kubemock: { layout: 99 }, resourceVersion: '1', objects: {} }));
  await t.rejects(ObjectStore.open({ adapter: new LowdbJournalAdapter(newer) }), { name: 'DataFileError', message: /layout 99, newer/ });
  const foreign = path.join(dir, 'foreign.json');
  await writeFile(foreign, JSON.stringify({ posts: [] }));
  await t.rejects(ObjectStore.open({ adapter: new LowdbJournalAdapter(foreign) }), { name: 'DataFileError', message: /not a kubemock data file/ });
});

t.test('concurrent writes share fsyncs and all become durable', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.create(PODS, pod(`p${i}`))));
  const journal = await readFile(`${file}.journal`, 'utf8');
  t.equal(decodeJournal(journal, 'j').length, 200);
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.equal(reopened.count(PODS), 200);
});

t.test('group commits are written on the writer thread once it runs, on the event loop while it starts', async (t) => {
  const file = path.join(t.testdir(), 'data.json');
  const adapter = new LowdbJournalAdapter(file);
  const store = await ObjectStore.open({ adapter });
  // One at a time: each create is its own group commit. The first starts the thread.
  let i = 0;
  await store.create(PODS, pod(`p${i++}`));
  t.same(adapter.journalWrites, { onLoop: 1, onThread: 0 }, 'the first write does not wait for the thread to start');
  while (adapter.journalWrites.onThread === 0 && i < 10_000) {
    await store.create(PODS, pod(`p${i++}`));
    await new Promise((r) => setTimeout(r, 1));
  }
  const onLoop = adapter.journalWrites.onLoop;
  t.ok(adapter.journalWrites.onThread > 0, `the thread took over after ${onLoop} writes on the loop`);
  for (let k = 0; k < 20; k++) await store.create(PODS, pod(`p${i++}`));
  await Promise.all(Array.from({ length: 50 }, () => store.create(PODS, pod(`p${i++}`))));
  t.equal(adapter.journalWrites.onLoop, onLoop, 'and kept every write after');
  const keys = decodeJournal(await readFile(`${file}.journal`, 'utf8'), 'j').map((r) => (r as { key: string }).key);
  t.same(keys, Array.from({ length: i }, (_, k) => `default/p${k}`), 'every record written, in order');
  await store.close();
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.equal(reopened.count(PODS), i, 'and all there after a restart');
  await reopened.close();
});

t.test('a group commit bigger than a record slab (1 MiB) is written whole, records side by side or not', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  // 400 records of ~6 KiB in one turn: 2.4 MiB, so the records of one write span three slabs.
  const big = (name: string) => ({ ...pod(name), metadata: { ...pod(name).metadata, annotations: { note: name.padEnd(6000, '.') } } });
  await Promise.all(Array.from({ length: 400 }, (_, i) => store.create(PODS, big(`big-${i}`))));
  await store.create(PODS, pod('after'));
  const records = decodeJournal(await readFile(`${file}.journal`, 'utf8'), 'j');
  t.equal(records.length, 401);
  t.same(records.map((r) => (r as { key: string }).key), [...Array.from({ length: 400 }, (_, i) => `default/big-${i}`), 'default/after'], 'every record, in order');
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.equal(reopened.count(PODS), 401);
  t.equal((reopened.get(PODS, 'default', 'big-399')!.metadata.annotations as Record<string, string>).note, 'big-399'.padEnd(6000, '.'));
});

t.test('compaction rewrites the snapshot and keeps newer records', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const adapter = new LowdbJournalAdapter(file, { compactAfterBytes: 2000 });
  const store = await ObjectStore.open({ adapter });
  for (let i = 0; i < 30; i++) await store.create(PODS, pod(`p${i}`));
  await adapter.whenCompacted();
  const snapshot = JSON.parse(await readFile(file, 'utf8'));
  t.ok(Number(snapshot.resourceVersion) > 0, 'a snapshot was written in the background');
  t.notOk((await readdir(dir)).includes('data.json.journal.old'), 'the journal it rotated away is deleted once the snapshot is durable');
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.equal(reopened.count(PODS), 30);
  t.equal(reopened.resourceVersion, 30);
});

t.test('a torn tail is cut from the journal in place, and a complete record without its newline counts as torn', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  await store.create(PODS, pod('a'));
  const intact = (await stat(`${file}.journal`)).size;
  // A chunk is acknowledged only after all of it, newline included, is fsync'd: without the newline it never was.
  const unterminated = encodeJournalRecord({ op: 'put', resource: 'pods', key: 'default/b', rv: 2, object: pod('b') }).slice(0, -1);
  await appendFile(`${file}.journal`, unterminated);
  t.same(decodeJournal(await readFile(`${file}.journal`, 'utf8'), 'j').map((m) => m.key), ['default/a']);
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.same(reopened.list(PODS).map((p) => p.metadata.name), ['a']);
  t.equal((await stat(`${file}.journal`)).size, intact, 'the journal is truncated to its intact records');
  await reopened.create(PODS, pod('c'));
  const again = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.same(again.list(PODS).map((p) => p.metadata.name), ['a', 'c']);
});

t.test('a journal damaged before its last record stops the start instead of losing writes', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  await store.create(PODS, pod('a'));
  await store.create(PODS, pod('b'));
  const text = await readFile(`${file}.journal`, 'utf8');
  await writeFile(`${file}.journal`, text.replace('"name":"a"', '"name":"x"'));
  await t.rejects(ObjectStore.open({ adapter: new LowdbJournalAdapter(file) }), { name: 'DataFileError', message: /journal .* is corrupt at record 1; refusing to start/ });
});

t.test('a data file of an older layout is refused with a message, not started empty', async (t) => {
  const dir = t.testdir();
  const older = path.join(dir, 'older.json');
  await writeFile(older, JSON.stringify({ kubemock: { layout: 0 }, resourceVersion: '5', objects: {} }));
  await t.rejects(ObjectStore.open({ adapter: new LowdbJournalAdapter(older) }), { name: 'DataFileError', message: /unknown layout 0; refusing to start/ });
});

t.test('the data file is a JSON document with one object per line, read back line by line', async (t) => {
  const data = { kubemock: { layout: 1 }, resourceVersion: '3', objects: { pods: { 'default/a': pod('a'), 'default/b': pod('b') }, namespaces: {}, 'leases.coordination.k8s.io': { 'kube-node-lease/n"1': pod('n"1') } } };
  const text = [...serializeDataFile(data)].join('');
  t.same(JSON.parse(text), data);
  t.match(text.split('\n'), ['{"kubemock":{"layout":1},"resourceVersion":"3","objects":{', '"pods":{', /^"default\/a":\{.*\},$/, /^"default\/b":\{.*\}$/, '},', '"namespaces":{},', '"leases.coordination.k8s.io":{', /^"kube-node-lease\/n\\"1":\{.*\}$/, '}', '}}', '']);
  t.same(parseDataFile(Buffer.from(text)), data, 'the line reader gives what JSON.parse gives');
  const indented = JSON.stringify(data, null, 1);
  t.same(parseDataFile(Buffer.from(indented)), data, 'an indented file (as older versions wrote) is parsed whole');
  t.throws(() => parseDataFile(Buffer.from(text.replace('"default/b":{', '"default/b":'))), SyntaxError);
  t.throws(() => parseDataFile(Buffer.from(text.slice(0, text.indexOf('}}')))), SyntaxError, 'a cut-off file is an error');
});

t.test('writes go on during a compaction and all of them survive, whichever files a crash leaves', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const adapter = new LowdbJournalAdapter(file, { compactAfterBytes: 4000 });
  const store = await ObjectStore.open({ adapter });
  // Enough concurrent writes that some land while the snapshot is being written.
  for (let round = 0; round < 6; round++) await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(PODS, pod(`r${round}-${i}`))));
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.delete(PODS, 'default', `r0-${i}`)));
  await adapter.whenCompacted();
  const snapshotRV = Number(JSON.parse(await readFile(file, 'utf8')).resourceVersion);
  t.ok(snapshotRV > 0, 'a snapshot was written');
  const journal = decodeJournal(await readFile(`${file}.journal`, 'utf8'), 'j');
  t.ok(journal.every((m) => m.rv > snapshotRV), 'the journal holds only records newer than the snapshot');
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.equal(reopened.count(PODS), 100);
  t.equal(reopened.resourceVersion, 140);
  // A crash between the snapshot's rename and the journal's swap leaves older records in the journal: they replay as no-ops.
  const stale = encodeJournalRecord({ op: 'put', resource: 'pods', key: 'default/r0-0', rv: 1, object: pod('r0-0') });
  const current = await readFile(`${file}.journal`, 'utf8');
  await writeFile(`${file}.journal`, stale + current);
  const again = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.equal(again.count(PODS), 100);
  t.notOk(again.get(PODS, 'default', 'r0-0'), 'a record older than the snapshot does not resurrect a deleted object');
});

t.test('a crash mid-compaction leaves journals that replay in order', async (t) => {
  // The files a crash after a rotation leaves, before the snapshot is written: the previous
  // snapshot (none here), the rotated journal and the new one.
  const crashed = path.join(t.testdir(), 'data.json');
  const first = await ObjectStore.open({ adapter: new LowdbJournalAdapter(crashed) });
  for (let i = 0; i < 10; i++) await first.create(PODS, pod(`p${i}`));
  await writeFile(`${crashed}.journal.old`, await readFile(`${crashed}.journal`));
  const later = [
    encodeJournalRecord({ op: 'put', resource: 'pods', key: 'default/p10', rv: 11, object: { ...pod('p10'), metadata: { ...pod('p10').metadata, resourceVersion: '11' } } }),
    encodeJournalRecord({ op: 'delete', resource: 'pods', key: 'default/p0', rv: 12 }),
  ];
  await writeFile(`${crashed}.journal`, later.join(''));
  const second = await ObjectStore.open({ adapter: new LowdbJournalAdapter(crashed) });
  t.equal(second.count(PODS), 10, 'old journal, then new: p1 to p10');
  t.notOk(second.get(PODS, 'default', 'p0'), 'the delete in the new journal applies after the old put');
  t.equal(second.resourceVersion, 12);
  t.notOk((await readdir(path.dirname(crashed))).includes('data.json.journal.old'), 'the start folded the old journal into the journal');
  t.equal(decodeJournal(await readFile(`${crashed}.journal`, 'utf8'), 'j').length, 12);
  const third = await ObjectStore.open({ adapter: new LowdbJournalAdapter(crashed) });
  t.equal(third.count(PODS), 10, 'and so the next start too');
  await third.close();

  // A crash after the new snapshot's rename, before the old journal was deleted: its records are older than the snapshot.
  await writeFile(`${crashed}.journal.old`, encodeJournalRecord({ op: 'put', resource: 'pods', key: 'default/p0', rv: 1, object: pod('p0') }));
  const fourth = await ObjectStore.open({ adapter: new LowdbJournalAdapter(crashed) });
  t.notOk(fourth.get(PODS, 'default', 'p0'), 'a stale old journal does not resurrect a deleted object');
  t.equal(fourth.count(PODS), 10);
});

t.test('a closed store refuses writes instead of acknowledging what cannot become durable', async (t) => {
  const dir = t.testdir();
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(path.join(dir, 'data.json')) });
  await store.close();
  await throwsStatus(t, store.create(PODS, pod('late')), { code: 503 });
});

t.test('a paced write (a background compaction) writes the same file as an unpaced one', async (t) => {
  const dir = t.testdir();
  const data = { kubemock: { layout: 1 }, resourceVersion: '3', objects: { pods: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`default/p${i}`, pod(`p${i}`)])) } };
  const paced = new DurableJSONFile<typeof data>(path.join(dir, 'paced.json'), serializeDataFile, (bytes) => parseDataFile(bytes) as typeof data, () => 2);
  const unpaced = new DurableJSONFile<typeof data>(path.join(dir, 'unpaced.json'), serializeDataFile);
  await paced.write(data);
  await unpaced.write(data);
  t.equal(await readFile(path.join(dir, 'paced.json'), 'utf8'), await readFile(path.join(dir, 'unpaced.json'), 'utf8'));
  t.same(await paced.read(), data);
});

t.test('writes appended in the same turn of the event loop are all durable when their flushes resolve', async (t) => {
  const file = path.join(t.testdir(), 'data.json');
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(PODS, pod(`g${i}`))));
  const records = decodeJournal(await readFile(`${file}.journal`, 'utf8'), 'journal');
  t.same(records.map((r) => r.rv), Array.from({ length: 20 }, (_, i) => i + 1), 'every record, in resourceVersion order');
  await store.close();
});

/** The open() flags of this process's descriptors of `file`, read from /proc (Linux). */
async function openFlags(file: string): Promise<number[]> {
  const flags: number[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      if ((await readlink(`/proc/self/fd/${fd}`)) !== file) continue;
      const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
      flags.push(parseInt(/^flags:\s*([0-7]+)/m.exec(info)![1]!, 8));
    } catch {
      // closed meanwhile
    }
  }
  return flags;
}

t.test('the snapshot is written O_DSYNC, piece by piece, instead of flushed whole at the end (which held up the journal)', { skip: process.platform === 'linux' ? false : '/proc/self/fdinfo is Linux only' }, async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  // The first piece takes a few ms to make and the pacing waits 50 times that before the second,
  // so the temp file is open, between two writes, while its flags are read.
  function* slowPieces(): Generator<string> {
    const until = performance.now() + 3;
    while (performance.now() < until);
    yield '{"a":';
    yield '1}';
  }
  const writer = new DurableJSONFile<unknown>(file, slowPieces, (bytes) => JSON.parse(bytes.toString('utf8')), () => 50);
  const written = writer.write(undefined);
  const temp = path.join(dir, '.data.json.tmp');
  let flags: number[] = [];
  for (let i = 0; i < 100 && flags.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 2));
    flags = await openFlags(temp);
  }
  await written;
  t.equal(flags.length, 1, 'the temp file was open while the snapshot was written');
  t.ok((flags[0]! & constants.O_DSYNC) === constants.O_DSYNC, 'opened O_DSYNC');
  t.same(await writer.read(), { a: 1 }, 'and renamed into place whole');
});

t.test('the journal is written O_DSYNC, and so after a compaction too: a write returns once it is on disk', { skip: process.platform === 'linux' ? false : '/proc/self/fdinfo is Linux only' }, async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const adapter = new LowdbJournalAdapter(file, { compactAfterBytes: 2000 });
  const store = await ObjectStore.open({ adapter });
  for (let i = 0; i < 20; i++) await store.create(PODS, pod(`p-${i}`));
  await adapter.whenCompacted();
  const flags = await openFlags(`${file}.journal`);
  t.equal(flags.length, 1, 'one descriptor of the journal');
  t.ok((flags[0]! & constants.O_DSYNC) === constants.O_DSYNC, 'opened O_DSYNC');
  t.ok((flags[0]! & constants.O_APPEND) === constants.O_APPEND, 'for appending');
  await store.close();
});
