import { VERSION } from './version';

const MAIN = `greenml ${VERSION} — finds energy-wasteful patterns in machine-learning code

Usage:
  greenml check [options] [paths...]   check files and folders (default: .)
  greenml rule <id>                    show a rule's documentation
  greenml rules                        list all rules
  greenml --help | --version

Run 'greenml check --help' for the options of check.
`;

const CHECK = `Usage: greenml check [options] [paths...]

Checks .py, .ipynb, .yaml, .yml and .json files in the given files and folders (default: .).
Folders are searched recursively, in sorted order. Files matched by .gitignore files (nested ones
apply to their folder), hidden folders, node_modules, __pycache__, site-packages and virtual
environments (folders holding pyvenv.cfg or conda-meta) are skipped. Symbolic links to folders are
not followed. Files named on the command line are always checked.

Settings come from [tool.greenml] of the nearest pyproject.toml above each file.

Options:
  --format <text|json|sarif>   output format (default: text)
  --select <id,id,...>         run only these rules (replaces select from pyproject.toml)
  --ignore <id,id,...>         do not run these rules (added to ignore from pyproject.toml)
  --workers <n>                lint in n parallel threads (default: one per CPU core)
  --no-prefilter               parse every file, even those without any rule's trigger words
                               (slower; findings are the same)
  --no-cache                   analyse every file again (by default findings of unchanged files are
                               reused from the cache in $GREENML_CACHE_DIR or ~/.cache/greenml)
  --fix                        apply safe fixes in place, then report what remains
  --unsafe-fixes               apply all fixes, safe and unsafe, then report what remains
  --exit-zero                  exit with 0 even when problems or errors are found
  -h, --help                   show this help

Text output: one line per finding, 'path:line:column: rule-id message' (1-based; notebooks:
'path:cell N:line:column', N counting all cells from 1, the line within the cell). '[*]' marks
findings with a safe fix. Files that could not be checked are listed as 'path: error: message'.

Exit codes:
  0  no finding of severity warning or error (info and hint findings do not count)
  1  at least one finding of severity warning or error remains, or a file could not be checked
     (not readable, not valid UTF-8, broken notebook, invalid YAML/JSON, binary data)
  2  usage error (unknown option, format or rule id, nonexistent path) or internal error
With --exit-zero, 1 becomes 0.
`;

const RULE = `Usage: greenml rule <id>

Prints the documentation of a rule. 'greenml rules' lists the ids.
`;

const RULES = `Usage: greenml rules

Lists every rule: id, default severity, fix availability and safety, title.
`;

export function helpText(topic: 'main' | 'check' | 'rule' | 'rules'): string {
  switch (topic) {
    case 'check':
      return CHECK;
    case 'rule':
      return RULE;
    case 'rules':
      return RULES;
    default:
      return MAIN;
  }
}
