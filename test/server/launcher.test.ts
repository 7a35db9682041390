// The launcher (server/launcher.ts): a bundle is compiled from its code cache once one is written,
// a cache of other text is never used, and without a bundle there is nothing to load. The real
// bundle is what every end-to-end test starts (test/helpers/cluster.ts).
import t, { type Test } from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadBundle } from '../../server/launcher.js';
import { ROOT } from '../helpers/cluster.js';

const LAUNCHER = path.join(ROOT, 'dist/server/launcher.js');
const built = existsSync(LAUNCHER);

/**
 * Loads the bundle in a fresh process, as a start does (within one process V8 reuses its own
 * compilation of the same text and never looks at the cache), runs its main() and saves the cache.
 */
async function start(bundle: string, cache: string): Promise<{ usedCodeCache: boolean; result: string }> {
  const script = `import { loadBundle } from ${JSON.stringify(pathToFileURL(LAUNCHER).href)};
const loaded = loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cache)});
const result = await loaded.cli.main();
loaded.saveCodeCache();
console.log(JSON.stringify({ usedCodeCache: loaded.usedCodeCache, result }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as { usedCodeCache: boolean; result: string };
}

/** A CommonJS stand-in for the command line, big enough that V8 caches its functions. */
function bundleText(greeting: string): string {
  const helpers = Array.from({ length: 200 }, (_, i) => `function helper${i}(x) { return x * ${i} + ${i}; }`).join('\n');
  return `${helpers}\nlet started = 0;\nexports.main = async () => { started += helper199(1); return ${JSON.stringify(greeting)}; };\nexports.exitOnFatal = () => { throw new Error('unused'); };\nexports.started = () => started;\n`;
}

/** A bundle in a directory of its own (removed at teardown) and where its cache goes. */
async function bundleFiles(t: Test, greeting: string): Promise<{ bundle: string; cache: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-launcher-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, 'bundle.cjs');
  await writeFile(bundle, bundleText(greeting));
  return { bundle, cache: `${bundle}.cache` };
}

const needsBuild = { skip: built ? false : 'dist/ is not built (npm test builds it)' };

t.test('the first start writes a code cache, the next one compiles from it', needsBuild, async (t) => {
  const { bundle, cache } = await bundleFiles(t, 'hello');

  t.same(await start(bundle, cache), { usedCodeCache: false, result: 'hello' }, 'no cache yet; the bundle ran');
  t.ok(existsSync(cache), 'the cache was written');
  const written = await readFile(cache);
  t.same(await start(bundle, cache), { usedCodeCache: true, result: 'hello' }, 'V8 took the cache');
  t.same(await readFile(cache), written, 'a used cache is not rewritten');
});

t.test('a cache written for other text, or damaged, is not used and is replaced', needsBuild, async (t) => {
  const { bundle, cache } = await bundleFiles(t, 'old');
  await start(bundle, cache);
  const oldKey = (await readFile(cache)).subarray(0, 20);

  // Same length, other text: V8's own check (the source length) would accept the old cache.
  await writeFile(bundle, bundleText('new'));
  t.same(await start(bundle, cache), { usedCodeCache: false, result: 'new' }, 'the old cache is not used; the new text runs');
  const newKey = (await readFile(cache)).subarray(0, 20);
  t.not(newKey.toString('hex'), oldKey.toString('hex'), 'the cache now carries the new key');
  t.same(await start(bundle, cache), { usedCodeCache: true, result: 'new' }, 'and is used on the next start');

  await writeFile(cache, Buffer.concat([newKey, Buffer.from('not a code cache')]));
  t.same(await start(bundle, cache), { usedCodeCache: false, result: 'new' }, 'V8 refuses a damaged cache and the bundle still runs');
  t.same(await start(bundle, cache), { usedCodeCache: true, result: 'new' }, 'a good cache replaced it');
});

t.test('no bundle: nothing to load (the launcher then runs the compiled modules)', async (t) => {
  t.equal(loadBundle(path.join(tmpdir(), 'kubemock-no-such-bundle.cjs'), path.join(tmpdir(), 'kubemock-no-such-bundle.cjs.cache')), undefined);
});
