import t from 'tap';
import { JsonCache } from '../../store/json-cache.js';
import { deepFreeze } from '../../store/object.js';

t.test('a frozen object is serialised once; an unfrozen one every time', async (t) => {
  const cache = new JsonCache();
  const frozen = deepFreeze({ metadata: { name: 'a' }, spec: { n: 1 } });
  t.equal(cache.of(frozen), cache.of(frozen), 'the same bytes');
  t.equal(cache.of(frozen).toString(), JSON.stringify(frozen));
  const open = { metadata: { name: 'b' } };
  const first = cache.of(open).toString();
  open.metadata.name = 'c';
  t.not(cache.of(open).toString(), first, 'a mutable object is not cached');
  t.equal(cache.size, 1);
});

t.test('compose writes what JSON.stringify writes, frozen parts from the cache', async (t) => {
  const cache = new JsonCache();
  const item = deepFreeze({ kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, status: { phase: 'Running' } });
  const cases: unknown[] = [
    { kind: 'PodList', metadata: { resourceVersion: '7' }, items: [item, item] },
    { kind: 'Table', rows: [{ cells: ['p', 1, true, null], object: { kind: 'PartialObjectMetadata', metadata: item.metadata } }], columnDefinitions: null },
    { skipped: undefined, fn: () => 1, list: [undefined, () => 1, 'x'], date: new Date(0), nested: { deeper: [{ item }] } },
    [item, 'x', 3, null],
    'text',
    42,
    item,
  ];
  for (const value of cases) t.equal(cache.compose(value).toString(), JSON.stringify(value));
  t.ok(cache.size >= 2, 'the item and its metadata are cached');
});

t.test('the cache keeps at most its byte budget, dropping the oldest first', async (t) => {
  const cache = new JsonCache(8 * 1024);
  const objects = Array.from({ length: 100 }, (_, i) => deepFreeze({ i, pad: 'x'.repeat(500) }));
  for (const o of objects) cache.of(o);
  t.ok(cache.size < 20, `${cache.size} entries kept`);
  const last = objects[99]!;
  t.equal(cache.of(last), cache.of(last), 'the newest is still there');
});

t.test('a full cache keeps evicting in order through many writes (the eviction queue is trimmed as it goes)', async (t) => {
  const cache = new JsonCache(64 * 1024);
  const objects = Array.from({ length: 20_000 }, (_, i) => deepFreeze({ i, pad: 'x'.repeat(100) }));
  for (const o of objects) cache.of(o);
  const perEntry = JSON.stringify(objects[0]).length;
  t.ok(cache.size <= Math.ceil((64 * 1024) / perEntry), `${cache.size} entries kept within the budget`);
  t.ok(cache.size >= Math.floor((64 * 1024) / (perEntry + 10)), 'and the budget is used');
  const newest = cache.of(objects[19_999]!);
  t.equal(cache.of(objects[19_999]!), newest, 'the newest is cached');
  const oldest = cache.of(objects[0]!);
  t.equal(oldest.toString(), JSON.stringify(objects[0]), 'an evicted object is serialised again');
});

t.test('cached texts share slabs, are exact UTF-8 however long, and stay intact as later texts are carved', async (t) => {
  const cache = new JsonCache(256 * 1024 * 1024);
  const objects = Array.from({ length: 3000 }, (_, i) => deepFreeze({ i, text: `${'ü€😀'.repeat(i % 50)}${'x'.repeat(i)}` }));
  const texts = objects.map((o) => cache.of(o));
  t.same(texts.map((b) => b.toString()), objects.map((o) => JSON.stringify(o)), 'every text is the JSON of its object');
  t.equal(texts[0]!.buffer, texts[1]!.buffer, 'small texts are carved from one slab');
  const big = deepFreeze({ big: 'y'.repeat(2 * 1024 * 1024) });
  t.equal(cache.of(big).toString(), JSON.stringify(big), 'a text larger than a slab gets one of its own');
  const open = { n: 'not frozen' };
  t.equal(cache.of(open).toString(), JSON.stringify(open));
});
