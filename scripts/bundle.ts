// Bundles the command line (dist/server/cli.js and everything it imports, fastify included) into
// dist/kubemock.cjs, the one file server/launcher.ts compiles with a code cache. Run by
// `npm run build` after tsc. CommonJS, because only a classic script takes V8's cachedData on Node 20.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_FILE, CODE_CACHE_FILE } from '../server/launcher.js';

const result = await build({
  entryPoints: [fileURLToPath(new URL('../server/cli.js', import.meta.url))],
  outfile: BUNDLE_FILE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.18',
  // Smaller text parses faster; names stay, so that stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  // Loaded by path from their own folders at run time: pino-pretty only in a terminal, and the docs
  // page's static files sit beside @fastify/swagger-ui.
  external: ['pino-pretty', '@fastify/swagger-ui'],
  // The bundle's own URL: createRequire(import.meta.url) then resolves packages from dist/, as the
  // modules in dist/server/ do.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  metafile: true,
});
// The bundle runs from a code cache, where Node 20 has no loader for import() (server/lazy.ts):
// a package it leaves outside must be required, never imported.
const dynamicImports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external && i.kind === 'dynamic-import').map((i) => i.path));
if (dynamicImports.length > 0) throw new Error(`the bundle would import() ${dynamicImports.join(', ')}: require them through requireExternal (server/lazy.ts)`);
// A cache of the previous bundle would be refused by its key anyway; removing it says so plainly.
rmSync(CODE_CACHE_FILE, { force: true });
