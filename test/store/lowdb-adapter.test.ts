import t from 'tap';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ObjectStore } from '../../store/store.js';
import { DataFileError, LowdbJournalAdapter, decodeJournal, encodeJournalRecord } from '../../store/lowdb-adapter.js';
import type { KubeObject } from '../../store/object.js';

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

t.test('compaction rewrites the snapshot and keeps newer records', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'data.json');
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file, { compactAfterBytes: 2000 }) });
  for (let i = 0; i < 30; i++) await store.create(PODS, pod(`p${i}`));
  const snapshot = JSON.parse(await readFile(file, 'utf8'));
  t.ok(Number(snapshot.resourceVersion) > 0, 'a snapshot was written in the background');
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  t.equal(reopened.count(PODS), 30);
  t.equal(reopened.resourceVersion, 30);
});
