/**
 * Preloaded into the CLI or the language server (`node --require out/test/reliability/support/probe.js`):
 * records every attempt to open a network connection, resolve a host name, listen, start a
 * process or a worker, or run code through node:vm, and the peak memory; writes them as JSON to
 * $GREENML_PROBE_OUT when the process exits. The calls still go through (the probe observes only).
 */
import * as childProcess from 'node:child_process';
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as vm from 'node:vm';
import * as workerThreads from 'node:worker_threads';

export interface ProbeReport {
  calls: { api: string; detail: string }[];
  maxRssKb: number;
}

const calls: ProbeReport['calls'] = [];

function describe(args: unknown[]): string {
  try {
    return JSON.stringify(args, (_key, value: unknown) => (typeof value === 'function' ? '[function]' : value)).slice(0, 300);
  } catch {
    return String(args[0]).slice(0, 300);
  }
}

function watch(target: object, name: string, api: string): void {
  const holder = target as Record<string, unknown>;
  const original = holder[name];
  if (typeof original !== 'function') return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    calls.push({ api, detail: describe(args) });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  try {
    Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true });
  } catch {
    // A frozen binding cannot be watched; strace still sees the system calls.
  }
}

for (const name of ['connect', 'createConnection', 'createServer']) watch(net, name, `net.${name}`);
watch(net.Socket.prototype, 'connect', 'net.Socket#connect');
watch(net.Server.prototype, 'listen', 'net.Server#listen');
watch(tls, 'connect', 'tls.connect');
watch(dgram, 'createSocket', 'dgram.createSocket');
for (const name of ['request', 'get', 'createServer']) {
  watch(http, name, `http.${name}`);
  watch(https, name, `https.${name}`);
}
watch(http2, 'connect', 'http2.connect');
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) watch(dns, name, `dns.${name}`);
watch(dns.promises, 'lookup', 'dns.promises.lookup');
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) watch(childProcess, name, `child_process.${name}`);
watch(workerThreads, 'Worker', 'worker_threads.Worker');
for (const name of ['runInThisContext', 'runInNewContext', 'runInContext', 'compileFunction']) watch(vm, name, `vm.${name}`);
if (typeof globalThis.fetch === 'function') watch(globalThis, 'fetch', 'fetch');

process.on('exit', () => {
  const out = process.env.GREENML_PROBE_OUT;
  if (!out) return;
  const report: ProbeReport = { calls, maxRssKb: process.resourceUsage().maxRSS };
  writeFileSync(out, JSON.stringify(report));
});
