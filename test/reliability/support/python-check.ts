/** Asks CPython itself whether texts are valid Python: one `python3` process for a whole batch. */
import { spawnSync } from 'node:child_process';

const SCRIPT = `
import ast, json, sys, warnings
warnings.simplefilter("ignore")
out = {}
for line in sys.stdin:
    item = json.loads(line)
    try:
        ast.parse(item["text"])
        out[item["id"]] = None
    except (SyntaxError, ValueError) as error:
        out[item["id"]] = "%s: %s (line %s)" % (type(error).__name__, getattr(error, "msg", str(error)), getattr(error, "lineno", "?"))
json.dump(out, sys.stdout)
`;

/** The python3 on PATH (the one a user's tools would use). */
export const PYTHON = process.env.GREENML_PYTHON ?? 'python3';

export function pythonVersion(): string {
  const run = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) throw new Error(`${PYTHON} is needed to check fixed code with CPython's own parser: ${run.error?.message ?? run.stderr}`);
  return (run.stdout || run.stderr).trim();
}

/** For each id: null when CPython parses the text, else CPython's message. */
export function cpythonParse(items: readonly { id: string; text: string }[]): Map<string, string | null> {
  if (items.length === 0) return new Map();
  const input = items.map((item) => JSON.stringify(item)).join('\n') + '\n';
  const run = spawnSync(PYTHON, ['-c', SCRIPT], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  if (run.error || run.status !== 0) throw new Error(`${PYTHON} failed: ${run.error?.message ?? run.stderr}`);
  return new Map(Object.entries(JSON.parse(run.stdout) as Record<string, string | null>));
}
