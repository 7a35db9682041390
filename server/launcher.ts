// The installed command's start (bin/kubemock.js, `npm start`): runs the command line from
// dist/kubemock.cjs, the whole server bundled into one file (scripts/bundle.ts), compiled with a
// V8 code cache kept beside it. Resolving and compiling some 400 modules was most of the time a
// fresh process took to answer; one file compiled from its cache takes a fraction of it. Node 22
// has module.enableCompileCache for this; Node 20 has only vm.Script's cachedData.
//
// The cache is written after the first start that had none (or one V8 refused), once the server
// listens, so that it also holds the functions start-up compiled lazily. It is keyed by a hash of
// the bundle and the Node version and platform, as V8 itself checks only the source's length. Where
// dist/ cannot be written the server starts without a cache. Without a bundle (only `tsc` was
// run), it runs the compiled modules instead.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

type CommandLine = typeof import('./cli.js');

export const BUNDLE_FILE = fileURLToPath(new URL('../kubemock.cjs', import.meta.url));
export const CODE_CACHE_FILE = `${BUNDLE_FILE}.cache`;

interface LoadedBundle {
  cli: CommandLine;
  /** Whether V8 compiled the bundle from the code cache. */
  usedCodeCache: boolean;
  /** Writes the code cache if this start had no usable one; never throws. */
  saveCodeCache: () => void;
}

/** Compiles and runs the bundle with its code cache; undefined when there is no bundle. */
export function loadBundle(bundleFile = BUNDLE_FILE, cacheFile = CODE_CACHE_FILE): LoadedBundle | undefined {
  let source: string;
  try {
    source = readFileSync(bundleFile, 'utf8');
  } catch {
    return undefined;
  }
  const key = createHash('sha1').update(`${process.version} ${process.platform} ${process.arch}\n`).update(source).digest();
  let cachedData: Buffer | undefined;
  try {
    const file = readFileSync(cacheFile);
    if (file.subarray(0, key.length).equals(key)) cachedData = file.subarray(key.length);
  } catch {
    // no cache yet
  }
  // No importModuleDynamically: Node 20 loses it for a script compiled from a cache, so the bundle
  // has no import() at all (scripts/bundle.ts checks), and one would fail alike with or without a cache.
  const script = new vm.Script(Module.wrap(source), { filename: bundleFile, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as CommandLine };
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  wrapper(module.exports, createRequire(bundleFile), module, bundleFile, path.dirname(bundleFile));
  const usedCodeCache = cachedData !== undefined && script.cachedDataRejected !== true;
  return {
    cli: module.exports,
    usedCodeCache,
    saveCodeCache: () => {
      if (usedCodeCache) return;
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, Buffer.concat([key, script.createCachedData()]));
        renameSync(temporary, cacheFile);
      } catch {
        rmSync(temporary, { force: true });
      }
    },
  };
}

export async function launch(): Promise<void> {
  const bundle = loadBundle();
  const cli = bundle?.cli ?? (await import('./cli.js'));
  try {
    await cli.main();
  } catch (err) {
    cli.exitOnFatal(err);
  }
  bundle?.saveCodeCache();
}
