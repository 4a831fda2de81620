// Builds the shipped bundles into dist/ and, with --tests, transpiles every TypeScript file into out/
// (one file per source file) so that mocha can load the unit tests against the sources.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname, relative } from 'node:path';

const require = createRequire(import.meta.url);
const root = dirname(dirname(new URL(import.meta.url).pathname));
const withTests = process.argv.includes('--tests') || process.argv.includes('--tests-only');
const withBundle = !process.argv.includes('--tests-only');

function listFiles(dir, ending) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return listFiles(full, ending);
    return name.endsWith(ending) ? [full] : [];
  });
}

function listTs(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'fixtures' && name !== 'node_modules') out.push(...listTs(full));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
      out.push(full);
    }
  }
  return out;
}

/** The grammar and runtime wasm files are loaded from beside the bundle at run time, never downloaded. */
function copyWasm(toDir) {
  mkdirSync(toDir, { recursive: true });
  copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), join(toDir, 'web-tree-sitter.wasm'));
  copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), join(toDir, 'tree-sitter-python.wasm'));
}

const common = { platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };

// esbuild takes the ES-module builds (jsonc-parser's UMD build hides its requires; web-tree-sitter's
// ESM build reads import.meta.url, which a CommonJS bundle must define itself).
const bundle = {
  ...common,
  bundle: true,
  outdir: join(root, 'dist'),
  external: ['vscode'],
  minify: true,
  keepNames: true,
  mainFields: ['module', 'main'],
  banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__importMetaUrl' },
};
if (withBundle) {
  await build({ ...bundle, entryPoints: { cli: join(root, 'server/src/cli/main.ts') }, banner: { js: `#!/usr/bin/env node\n${bundle.banner.js}` } });
  await build({ ...bundle, entryPoints: { server: join(root, 'server/src/lsp/main.ts'), extension: join(root, 'client/src/extension.ts') } });
}
if (withBundle) copyWasm(join(root, 'dist'));

if (withTests) {
  const entries = [...listTs(join(root, 'server/src')), ...listTs(join(root, 'test'))];
  await build({ ...common, bundle: false, entryPoints: entries, outdir: join(root, 'out'), outbase: root });
  // Unbundled output still requires the data files next to the code that imports them.
  copyFileSync(join(root, 'package.json'), join(root, 'out', 'package.json'));
  for (const file of listFiles(join(root, 'server/src'), '.json')) {
    const target = join(root, 'out', relative(root, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
}
