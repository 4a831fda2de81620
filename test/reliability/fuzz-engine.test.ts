/**
 * Property-based fuzzing of the engine in-process (support/engine-fuzz.ts): fixtures, examples and
 * a sample of real code, mutated by fast-check, through lintDocument and fixDocument (all fixes,
 * unsafe included). For every input: no exception, an answer within 1 s for the lint and for the
 * fix-all, a well-formed result, a fix-all that leaves an unusable document alone and adds no
 * syntax error to one that parsed. GREENML_FUZZ_RUNS inputs (100,000 in CI) split over the four
 * document kinds, plus a run with extreme sizes (lines of 120,000 characters, nesting 3,000
 * deep). The jobs run in two worker threads (CI machines have two cores); each job has its own
 * seed, so a failure reproduces alone: `GREENML_FUZZ_SEED=<seed> GREENML_FUZZ_RUNS=<runs>`.
 */
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { ANSWER_BUDGET_MS, FUZZ_RUNS, FUZZ_SEED } from './support/config';
import { DefectLog } from './support/checks';
import { SHARE, summary } from './support/engine-fuzz';
import type { FuzzJob, WorkerMessage } from './support/fuzz-worker';

const KINDS = ['python', 'notebook', 'yaml', 'json'] as const;
const EXTREME_RUNS = Math.max(50, Math.round(FUZZ_RUNS / 1000));

const jobs: FuzzJob[] = [
  ...KINDS.map((kind): FuzzJob => ({ name: kind, kind, runs: Math.round(FUZZ_RUNS * SHARE[kind]), extreme: false, seed: FUZZ_SEED })),
  ...KINDS.map((kind): FuzzJob => ({ name: `extreme ${kind}`, kind, runs: EXTREME_RUNS, extreme: true, seed: FUZZ_SEED + 1 })),
];
/** Two roughly equal halves: Python alone costs about as much as the other kinds together. */
const groups: FuzzJob[][] = [jobs.filter((j) => j.kind === 'python' || j.name === 'extreme json'), jobs.filter((j) => !(j.kind === 'python' || j.name === 'extreme json'))];

describe('reliability: fuzzed input through the engine (lintDocument + fixDocument)', function () {
  this.timeout(30 * 60_000);
  const results = new Map<string, Promise<Extract<WorkerMessage, { type: 'job' }>>>();
  const defects = new DefectLog();
  let finished: Promise<void>;

  before(() => {
    const workerCount = Math.min(groups.length, Math.max(1, availableParallelism()));
    const assignments: FuzzJob[][] = workerCount === 1 ? [groups.flat()] : groups;
    const resolvers = new Map<string, (m: Extract<WorkerMessage, { type: 'job' }>) => void>();
    for (const job of jobs) results.set(job.name, new Promise((resolve) => resolvers.set(job.name, resolve)));
    finished = Promise.all(
      assignments.map(
        (assigned) =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(join(__dirname, 'support', 'fuzz-worker.js'), { workerData: { jobs: assigned } });
            worker.on('message', (message: WorkerMessage) => {
              if (message.type === 'job') resolvers.get(message.name)!(message);
              else for (const d of message.defects) for (let i = 0; i < d.count; i++) defects.add(d.rule, d.what, d.kind, d.input);
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              // A worker that dies (a crash of the engine, not an assertion) fails its pending jobs.
              for (const job of assigned) resolvers.get(job.name)!({ type: 'job', name: job.name, stats: null, failure: `worker exited with code ${code} before finishing`, ms: 0 });
              resolve();
            });
          }),
      ),
    ).then(() => undefined);
  });

  after(async () => {
    await finished;
    defects.report('engine fuzz');
  });

  for (const job of jobs) {
    const title = job.extreme
      ? `${job.kind}, extreme sizes: ${job.runs} documents with lines up to 120,000 characters and nesting up to 3,000 deep`
      : `${job.kind}: ${job.runs} mutated documents, each linted and fixed within ${ANSWER_BUDGET_MS} ms`;
    it(title, async () => {
      const result = await results.get(job.name)!;
      if (result.failure !== null) assert.fail(`${job.name} (seed ${job.seed}, ${job.runs} runs, ${job.extreme ? 'extreme' : 'bulk'} sizes):\n${result.failure}`);
      console.log(`      ${summary(job.name, result.stats!, result.ms)}`);
      assert.equal(result.stats!.inputs, job.runs);
    });
  }
});
