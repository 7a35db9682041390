import t from 'tap';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JournalWriterThread } from '../../store/journal-writer.js';
import { openJournal } from '../../store/lowdb-adapter.js';

async function started(writer: JournalWriterThread): Promise<void> {
  for (let i = 0; i < 500 && !writer.ready; i++) await sleep(10);
  if (!writer.ready) throw new Error('the writer thread did not start');
}

t.test('the writer thread appends what it is given, in order, one write at a time', async (t) => {
  const file = path.join(t.testdir(), 'journal');
  const journal = await openJournal(file);
  const writer = new JournalWriterThread();
  t.teardown(async () => {
    await writer.close();
    await journal.close();
  });
  await t.rejects(writer.write(journal.fd, Buffer.from('x')), /not running/, 'refused before the thread runs');
  await started(writer);
  const slab = Buffer.from('first\nsecond\n');
  await writer.write(journal.fd, slab.subarray(0, 6));
  const pending = writer.write(journal.fd, slab.subarray(6));
  await t.rejects(writer.write(journal.fd, Buffer.from('third\n')), /already in flight/, 'a second write waits for the first');
  await pending;
  t.equal(readFileSync(file, 'utf8'), 'first\nsecond\n');
  // Buffers go back and forth: a big one, then a small write in it, then a bigger one again.
  const big = Buffer.alloc(100 * 1024, 'b');
  await writer.write(journal.fd, big);
  await writer.write(journal.fd, Buffer.from('small\n'));
  await writer.write(journal.fd, Buffer.alloc(200 * 1024, 'c'));
  t.equal(readFileSync(file, 'utf8'), `first\nsecond\n${'b'.repeat(100 * 1024)}small\n${'c'.repeat(200 * 1024)}`, 'each write exactly its own bytes');
});

t.test('a write that fails on the thread rejects with the error and is not acknowledged', async (t) => {
  const file = path.join(t.testdir({ journal: '' }), 'journal');
  const writer = new JournalWriterThread();
  t.teardown(() => writer.close());
  await started(writer);
  const fd = openSync(file, 'r');
  closeSync(fd);
  await t.rejects(writer.write(fd, Buffer.from('lost\n')), { code: 'EBADF' });
  const readOnly = openSync(file, 'r');
  t.teardown(() => closeSync(readOnly));
  await t.rejects(writer.write(readOnly, Buffer.from('lost\n')), { code: 'EBADF' }, 'a file not open for writing');
  t.equal(readFileSync(file, 'utf8'), '');
});

t.test('a thread that stopped takes no more writes', async (t) => {
  const writer = new JournalWriterThread();
  await started(writer);
  await writer.close();
  t.notOk(writer.ready);
  await t.rejects(writer.write(1, Buffer.from('x')), /not running/);
});

t.test('the writer thread does not keep the process alive, whether it wrote or not', async (t) => {
  const { execFile } = await import('node:child_process');
  const file = path.join(t.testdir({ journal: '' }), 'journal');
  const source = new URL('../../store/journal-writer.ts', import.meta.url).href;
  const child = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const code = `import { openSync, constants } from 'node:fs';\nimport { JournalWriterThread } from ${JSON.stringify(source)};\nconst writer = new JournalWriterThread();\n${body}\nconsole.log('end');`;
      execFile(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())));
    });
  t.equal(await child(''), 'end', 'started and left alone: the process ends');
  const write = `while (!writer.ready) await new Promise((r) => setTimeout(r, 5));\nawait writer.write(openSync(${JSON.stringify(file)}, constants.O_WRONLY | constants.O_APPEND), Buffer.from('done\\n'));`;
  t.equal(await child(write), 'end', 'after a write: the process ends');
  t.equal(readFileSync(file, 'utf8'), 'done\n');
});
