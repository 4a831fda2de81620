/**
 * A worker thread of fuzz-engine.test.ts: runs the fuzz jobs it is given (same seeds and counts as
 * a single-threaded run would use) and posts each job's outcome, then the rule defects it saw.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DocumentKind } from '../../../server/src/engine/analyze';
import { initPythonParser } from '../../../server/src/engine/python/parser';
import { DefectLog } from './checks';
import { bases, fuzz, type FuzzStats } from './engine-fuzz';
import { BULK_SIZES, EXTREME_SIZES } from './mutate';

export interface FuzzJob {
  name: string;
  kind: DocumentKind;
  runs: number;
  extreme: boolean;
  seed: number;
}

export type WorkerMessage =
  | { type: 'job'; name: string; stats: FuzzStats | null; failure: string | null; ms: number }
  | { type: 'defects'; defects: { rule: string; what: string; kind: DocumentKind; input: string; count: number }[] };

async function main(): Promise<void> {
  const jobs = (workerData as { jobs: FuzzJob[] }).jobs;
  await initPythonParser();
  const documents = bases();
  const defects = new DefectLog();
  for (const job of jobs) {
    const started = performance.now();
    let message: WorkerMessage;
    try {
      const stats = fuzz(job.kind, documents.get(job.kind) ?? [], job.runs, job.extreme ? EXTREME_SIZES : BULK_SIZES, job.seed, defects);
      message = { type: 'job', name: job.name, stats, failure: null, ms: performance.now() - started };
    } catch (error) {
      message = { type: 'job', name: job.name, stats: null, failure: error instanceof Error ? (error.message ?? String(error)) : String(error), ms: performance.now() - started };
    }
    parentPort!.postMessage(message);
  }
  const list = [...defects.defects.values()].map(({ rule, what, kind, input, count }) => ({ rule, what, kind, input, count }));
  parentPort!.postMessage({ type: 'defects', defects: list } satisfies WorkerMessage);
}

void main();
