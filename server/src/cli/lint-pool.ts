import { statSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { DocumentKind } from '../engine/analyze';
import { lintDocument } from '../engine/lint';
import { initPythonParser } from '../engine/python/parser';
import type { Settings } from '../engine/settings';
import type { LintResult } from '../engine/types';
import { readSource } from './read-source';

/** One file to lint: read and analysed wherever it runs (main thread or a worker). */
export interface LintJob {
  id: number;
  path: string;
  kind: DocumentKind;
  settings: Settings;
  prefilter: boolean;
  /** The file's text when the main thread has read it already (to look it up in the cache). */
  text?: string;
}

export type LintOutcome = { ok: true; result: LintResult } | { ok: false; message: string };

const WORKER_ROLE = 'greenml-lint-worker';

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** Reads and lints one file; every failure becomes a message, never an exception. */
export async function runLintJob(job: LintJob): Promise<LintOutcome> {
  let text = job.text;
  if (text === undefined) {
    const source = readSource(job.path);
    if (!source.ok) return { ok: false, message: source.message };
    text = source.text;
  }
  try {
    if (job.kind === 'python' || job.kind === 'notebook') await initPythonParser();
    return { ok: true, result: lintDocument(job.kind, text, job.settings, undefined, job.prefilter) };
  } catch (error) {
    return { ok: false, message: `internal error while checking: ${error instanceof Error ? firstLine(error.message) : String(error)}` };
  }
}

/** Whether this thread is a lint worker started by `lintInParallel`. */
export function isLintWorker(): boolean {
  return !isMainThread && (workerData as { role?: string } | null)?.role === WORKER_ROLE;
}

/** The worker's side: answer batches of jobs, one message per batch, until the main thread closes the port. */
export function serveLintJobs(): void {
  // Load the parser at once: its WebAssembly compiles while the main thread is still finding files.
  void initPythonParser();
  parentPort!.on('message', (batch: LintJob[]) => {
    void (async () => {
      const results: { id: number; outcome: LintOutcome }[] = [];
      for (const job of batch) results.push({ id: job.id, outcome: await runLintJob(job) });
      parentPort!.postMessage(results);
    })();
  });
}

/**
 * Jobs go out in batches, and each worker holds two at once. A message between threads costs
 * tens of microseconds (a worker posting one result per file spent about 70 µs a file, more than
 * the prefilter needs for most files), so files travel a batch at a time; the second batch
 * keeps the worker busy while the first one's results travel. Batches shrink as the queue runs
 * low, so that the threads finish together.
 *
 * Largest files go first and a batch holds at most MAX_BATCH_BYTES (unless one file is bigger):
 * in path order PyTorch's test helpers (a 0.9 MB file and its neighbours, ~0.6 s of work) came
 * near the end in one or two batches, and one worker went on alone for 0.4 s of the 1.5 s run.
 */
const BATCHES_IN_FLIGHT = 2;
const MAX_BATCH = 16;
const MAX_BATCH_BYTES = 256 * 1024;

/** A job's size in bytes, for scheduling only: its text when read already, else its file's size (0 if unreadable: the worker reports why). */
function sizeOf(job: LintJob): number {
  if (job.text !== undefined) return job.text.length;
  try {
    return statSync(job.path).size;
  } catch {
    return 0;
  }
}

/** The next batch from a queue sorted largest first: up to `count` jobs and MAX_BATCH_BYTES, at least one job. */
function takeBatch(queue: { job: LintJob; size: number }[], count: number): LintJob[] {
  let take = 1;
  let bytes = queue[0].size;
  while (take < count && take < queue.length && bytes + queue[take].size <= MAX_BATCH_BYTES) bytes += queue[take++].size;
  return queue.splice(0, take).map((entry) => entry.job);
}

/**
 * Worker threads that lint files, each with its own parser. Started before the files are found
 * (they load while the main thread walks the folders); the worker script is this bundle itself.
 */
export class LintPool {
  private readonly workers: Worker[];

  constructor(size: number, script: string) {
    this.workers = Array.from({ length: size }, () => new Worker(script, { workerData: { role: WORKER_ROLE } }));
  }

  /** Lints the jobs on the pool's workers; each job's outcome by its id. */
  async run(jobs: LintJob[]): Promise<Map<number, LintOutcome>> {
    const outcomes = new Map<number, LintOutcome>();
    const queue = jobs.map((job) => ({ job, size: sizeOf(job) })).sort((a, b) => b.size - a.size);
    const workers = this.workers;
    const nextBatch = () => takeBatch(queue, Math.max(1, Math.min(MAX_BATCH, Math.floor(queue.length / (workers.length * 4)))));
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            let inFlight = 0;
            const onMessage = (results: { id: number; outcome: LintOutcome }[]) => {
              for (const { id, outcome } of results) outcomes.set(id, outcome);
              inFlight--;
              fill();
            };
            const finish = (error?: unknown) => {
              worker.off('message', onMessage);
              worker.off('error', finish);
              if (error === undefined) resolve();
              else reject(error);
            };
            const fill = () => {
              while (inFlight < BATCHES_IN_FLIGHT && queue.length > 0) {
                worker.postMessage(nextBatch());
                inFlight++;
              }
              if (inFlight === 0) finish();
            };
            worker.on('message', onMessage);
            worker.on('error', finish);
            fill();
          }),
      ),
    );
    return outcomes;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
