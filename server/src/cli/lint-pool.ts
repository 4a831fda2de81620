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

/** The worker's side: answer jobs until the main thread closes the port. */
export function serveLintJobs(): void {
  parentPort!.on('message', (job: LintJob) => {
    void runLintJob(job).then((outcome) => parentPort!.postMessage({ id: job.id, outcome }));
  });
}

/**
 * Jobs each worker holds at once. Handing out one job at a time left a worker idle for a message
 * round trip after every file (most files are skipped by the prefilter in well under a
 * millisecond); a few queued jobs hide that, and a slow file still holds up only a few others.
 */
const JOBS_IN_FLIGHT = 4;

/**
 * Lints files on `size` worker threads (each with its own parser), keeping a few jobs queued at
 * each so that no worker waits for the next. The worker script is this bundle itself.
 */
export async function lintInParallel(jobs: LintJob[], size: number, script: string): Promise<Map<number, LintOutcome>> {
  const outcomes = new Map<number, LintOutcome>();
  const queue = [...jobs];
  const workers = Array.from({ length: Math.min(size, jobs.length) }, () => new Worker(script, { workerData: { role: WORKER_ROLE } }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            let inFlight = 0;
            const fill = () => {
              while (inFlight < JOBS_IN_FLIGHT && queue.length > 0) {
                worker.postMessage(queue.shift());
                inFlight++;
              }
              if (inFlight === 0) resolve();
            };
            worker.on('message', (message: { id: number; outcome: LintOutcome }) => {
              outcomes.set(message.id, message.outcome);
              inFlight--;
              fill();
            });
            worker.on('error', reject);
            fill();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return outcomes;
}
