// Measures GreenML's extension activation outside VS Code, in a fresh Node process:
//   node activate-probe.cjs <folder with dist/> [<repo root with node_modules>]
//   require('dist/extension.js')  (with a stub `vscode` module)  +  activate(context)
// up to the moment the language client forks the server (child_process.fork), which is where
// VS Code's own work (extension host IPC, real editor APIs) would take over. Prints one JSON line.
'use strict';
const t0 = performance.now();
const Module = require('node:module');
const path = require('node:path');
const childProcess = require('node:child_process');

const root = process.argv[2];
// Where node_modules/@types/vscode is (the real API's names for the stub); defaults to root.
const repoRoot = process.argv[3] || root;
const result = { requireMs: null, activateToForkMs: null, requireToForkMs: null, forked: false, forkedModule: null, error: null };

// A permissive stand-in for the `vscode` API: every property exists, is callable and constructible,
// returns another stand-in, is never thenable and iterates as empty.
function stub(name) {
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'toString' || prop === 'toJSON') return () => name;
      if (prop === 'version') return '1.91.0';
      if (prop === 'length') return 0;
      if (typeof prop === 'symbol') return undefined;
      return stub(`${name}.${prop}`);
    },
    apply() {
      return stub(`${name}()`);
    },
    construct() {
      return stub(`new ${name}`);
    },
  });
}
// The top level lists the real API's names (from @types/vscode) so that bundlers' ES-module interop,
// which copies own properties, sees them.
function apiNames() {
  try {
    const dts = require('node:fs').readFileSync(require.resolve('@types/vscode/index.d.ts', { paths: [repoRoot] }), 'utf8');
    const names = new Set();
    for (const m of dts.matchAll(/^\texport (?:namespace|class|enum|const|let|function|interface|type) ([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
    return [...names];
  } catch {
    return ['version', 'window', 'workspace', 'languages', 'commands', 'env', 'extensions', 'notebooks', 'Uri', 'Disposable', 'EventEmitter'];
  }
}
const vscodeStub = (() => {
  const inner = stub('vscode');
  const names = apiNames();
  const api = {};
  for (const name of names) api[name] = name === 'version' ? '1.91.0' : inner[name];
  return api;
})();
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return originalResolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub };

let tActivate = 0;
let tRequired = 0;
const originalFork = childProcess.fork;
childProcess.fork = function (modulePath, ...args) {
  const tFork = performance.now();
  result.forked = true;
  result.forkedModule = path.relative(root, String(modulePath));
  result.activateToForkMs = tFork - tActivate;
  result.requireToForkMs = tFork - t0Require;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
  return originalFork.call(this, modulePath, ...args);
};

const context = {
  subscriptions: [],
  extensionPath: root,
  extensionUri: stub('extensionUri'),
  asAbsolutePath: (p) => path.join(root, p),
  storagePath: undefined,
  globalStoragePath: path.join(root, '.bench-global-storage'),
  logPath: path.join(root, '.bench-log'),
  extensionMode: 1,
  environmentVariableCollection: stub('environmentVariableCollection'),
  workspaceState: stub('workspaceState'),
  globalState: stub('globalState'),
  secrets: stub('secrets'),
};

const t0Require = performance.now();
let extension;
try {
  extension = require(path.join(root, 'dist', 'extension.js'));
  tRequired = performance.now();
  result.requireMs = tRequired - t0Require;
  tActivate = performance.now();
  Promise.resolve(extension.activate(context)).catch((error) => {
    result.error = `activate rejected: ${error && error.message}`;
  });
} catch (error) {
  result.error = `threw: ${error && error.stack}`;
}
setTimeout(() => {
  if (!result.forked) result.error = result.error ?? 'the client never forked the server within 5 s';
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}, 5000);
void t0;
