/** Runs the built CLI (dist/cli.js) and reads its JSON report. */
import { spawn, spawnSync } from 'node:child_process';
import { cliReadableBy } from '../../support/cli-for-user';
import { CLI, since } from './config';

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface JsonReport {
  version: string;
  findings: { file: string; rule: string; severity: string; message: string; line: number; column: number; cell?: number; fix: unknown }[];
  errors: { file: string; message: string }[];
}

export function runCli(args: string[], cwd: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; uid?: number; nodeOptions?: string[] } = {}): CliRun {
  const started = performance.now();
  const env = { ...process.env, ...options.env };
  delete env.FORCE_COLOR;
  const run = spawnSync(process.execPath, [...(options.nodeOptions ?? []), options.uid !== undefined ? cliReadableBy(options.uid, CLI) : CLI, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 512 * 1024 * 1024,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  if (run.error && (run.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw run.error;
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr, ms: since(started) };
}

/** Starts the CLI without waiting (for the kill test). */
export function startCli(args: string[], cwd: string) {
  return spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function parseReport(run: CliRun): JsonReport {
  try {
    return JSON.parse(run.stdout) as JsonReport;
  } catch {
    throw new Error(`the CLI printed no JSON report (exit ${run.status}, signal ${run.signal}):\n${run.stdout.slice(0, 2000)}\n${run.stderr.slice(0, 2000)}`);
  }
}
