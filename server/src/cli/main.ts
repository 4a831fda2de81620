import { RULES, RULE_IDS, ruleById } from '../engine/registry';
import { parseArgs } from './args';
import { isLintWorker, serveLintJobs } from './lint-pool';
import { runCheck } from './check';
import { helpText } from './help';
import type { CliIo } from './io';
import { renderRuleList, renderRuleMarkdown } from '../engine/rule-docs';
import { UsageError } from './usage-error';
import { VERSION } from './version';

/** Runs one greenml command line and returns the exit code. Throws only on internal errors. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const command = parseArgs(argv, RULE_IDS);
    switch (command.kind) {
      case 'help':
        io.stdout(helpText(command.topic));
        return 0;
      case 'version':
        io.stdout(`greenml ${VERSION}\n`);
        return 0;
      case 'rules':
        io.stdout(renderRuleList(RULES));
        return 0;
      case 'rule': {
        const rule = ruleById(command.id);
        if (!rule) throw new UsageError(`unknown rule id '${command.id}'; known rules: ${RULE_IDS.length > 0 ? RULE_IDS.join(', ') : '(none registered)'}`);
        io.stdout(renderRuleMarkdown(rule));
        return 0;
      }
      case 'check':
        return await runCheck(command.options, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`greenml: error: ${error.message}\nRun 'greenml --help' for usage.\n`);
      return 2;
    }
    throw error;
  }
}

function internalError(error: unknown): void {
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  process.stderr.write(`greenml: internal error: ${message}\n`);
  process.exitCode = 2;
}

function start(): void {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  process.on('uncaughtException', (error) => {
    internalError(error);
    process.exit(2);
  });
  const io: CliIo = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined,
    workerScript: __filename,
  };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => internalError(error),
  );
}

if (isLintWorker()) serveLintJobs();
else if (require.main === module) start();
