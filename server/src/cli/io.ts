/** Where the CLI writes and what it knows of its surroundings (injected, so it can be tested). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  /** Colour text output: stdout is a terminal and NO_COLOR is not set. */
  color: boolean;
  /** The script a lint worker thread runs (the CLI entry itself); without it, linting stays on one thread. */
  workerScript?: string;
  /** Where the findings cache lives (default: see defaultCacheDir). */
  cacheDir?: string;
}
