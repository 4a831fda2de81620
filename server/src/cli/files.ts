import ignore, { type Ignore } from 'ignore';
import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { UsageError } from './usage-error';

/** Extensions collected from folders. Files named on the command line are checked whatever they are. */
export const CHECKED_EXTENSIONS: ReadonlySet<string> = new Set(['.py', '.ipynb', '.yaml', '.yml', '.json']);

/** Folder names never searched: dependencies, caches and installed packages. */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', '__pycache__', 'site-packages']);

export interface FoundFile {
  /** Absolute path. */
  path: string;
  /** The path as reached from the argument, e.g. `examples/train.py` for the argument `examples`. */
  display: string;
}

export interface DiscoveryProblem {
  display: string;
  message: string;
}

export interface Discovery {
  files: FoundFile[];
  /** Folders or files found but not readable: reported, the rest goes on. */
  problems: DiscoveryProblem[];
}

/** One .gitignore (or .git/info/exclude): its patterns apply to paths below `dir`. */
interface IgnoreFile {
  dir: string;
  matcher: Ignore;
}

const ignoreCase = process.platform === 'darwin' || process.platform === 'win32';

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

function loadIgnoreFile(dir: string, file: string, warn: (message: string) => void): IgnoreFile | null {
  try {
    if (!statSync(file).isFile()) return null;
    return { dir, matcher: ignore({ ignorecase: ignoreCase }).add(readFileSync(file, 'utf8')) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') warn(`${file}: not read: ${messageOf(error)}`);
    return null;
  }
}

/**
 * Whether a path is ignored: the deepest ignore file with a verdict on it wins (a deeper
 * `!pattern` re-includes what a shallower one excludes, as in git).
 */
function isIgnored(stack: readonly IgnoreFile[], path: string, isDir: boolean): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const { dir, matcher } = stack[i];
    const rel = toPosix(relative(dir, path));
    if (rel === '' || rel.startsWith('..')) continue;
    const result = matcher.test(isDir ? `${rel}/` : rel);
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

/** The ignore files of the folders above `root`, up to the repository root (the folder with .git). */
function ancestorIgnoreFiles(root: string, warn: (message: string) => void): IgnoreFile[] {
  const chain: string[] = [];
  let dir = dirname(root);
  let repoRoot: string | null = existsSync(join(root, '.git')) ? root : null;
  while (!repoRoot) {
    chain.unshift(dir);
    if (existsSync(join(dir, '.git'))) repoRoot = dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (!repoRoot) return [];
  const stack: IgnoreFile[] = [];
  const exclude = loadIgnoreFile(repoRoot, join(repoRoot, '.git', 'info', 'exclude'), warn);
  if (exclude) stack.push(exclude);
  for (const folder of chain) {
    const file = loadIgnoreFile(folder, join(folder, '.gitignore'), warn);
    if (file) stack.push(file);
  }
  // A folder named on the command line is searched even when an ignore file above excludes it.
  return stack.filter((f) => !isIgnored([f], root, true));
}

function messageOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOENT':
      return 'no such file or folder';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function isEnvironmentFolder(path: string): boolean {
  return existsSync(join(path, 'pyvenv.cfg')) || existsSync(join(path, 'conda-meta'));
}

class Walker {
  readonly files: FoundFile[] = [];
  readonly problems: DiscoveryProblem[] = [];

  constructor(private readonly warn: (message: string) => void) {}

  walk(root: string, rootDisplay: string): void {
    const pending: { dir: string; display: string; stack: IgnoreFile[] }[] = [
      { dir: root, display: rootDisplay, stack: ancestorIgnoreFiles(root, this.warn) },
    ];
    while (pending.length > 0) {
      const { dir, display, stack: inherited } = pending.pop()!;
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        this.problems.push({ display, message: `cannot read folder: ${messageOf(error)}` });
        continue;
      }
      const own = entries.some((e) => e.name === '.gitignore') ? loadIgnoreFile(dir, join(dir, '.gitignore'), this.warn) : null;
      const stack = own ? [...inherited, own] : inherited;
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subfolders: { dir: string; display: string; stack: IgnoreFile[] }[] = [];
      for (const entry of entries) {
        const path = join(dir, entry.name);
        const entryDisplay = join(display, entry.name);
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          // Links to folders are never followed (no loops, no escaping the tree); links to files are.
          if (!CHECKED_EXTENSIONS.has(extname(entry.name).toLowerCase())) continue;
          try {
            const target = statSync(path);
            isDir = false;
            isFile = target.isFile();
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code !== 'ENOENT' && !isIgnored(stack, path, false)) this.problems.push({ display: entryDisplay, message: `cannot read file: ${messageOf(error)}` });
            continue;
          }
        }
        if (isDir) {
          if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
          if (isIgnored(stack, path, true) || isEnvironmentFolder(path)) continue;
          subfolders.push({ dir: path, display: entryDisplay, stack });
        } else if (isFile && CHECKED_EXTENSIONS.has(extname(entry.name).toLowerCase()) && !isIgnored(stack, path, false)) {
          this.files.push({ path, display: entryDisplay });
        }
      }
      // Reverse, so that popping visits folders in sorted order.
      for (let i = subfolders.length - 1; i >= 0; i--) pending.push(subfolders[i]);
    }
  }
}

/**
 * Finds the files to check under the given paths (relative to `cwd`). A path that does not exist
 * is a UsageError. The result is sorted by displayed path, each file once.
 */
export function discoverFiles(paths: readonly string[], cwd: string, warn: (message: string) => void): Discovery {
  const walker = new Walker(warn);
  const explicit: FoundFile[] = [];
  for (const arg of paths) {
    const path = resolve(cwd, arg);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`path does not exist: ${arg}`);
      throw new UsageError(`cannot access ${arg}: ${messageOf(error)}`);
    }
    // Trailing separators cut with a loop (/[\\/]+$/ is quadratic on a long run of them).
    const normalized = normalize(arg);
    let end = normalized.length;
    while (end > 0 && (normalized[end - 1] === '/' || normalized[end - 1] === '\\')) end--;
    const display = normalized.slice(0, end) || normalized;
    if (isDir) walker.walk(path, display);
    else explicit.push({ path, display });
  }
  const seen = new Set<string>();
  const files: FoundFile[] = [];
  for (const file of [...explicit, ...walker.files]) {
    if (seen.has(file.path)) continue;
    seen.add(file.path);
    files.push(file);
  }
  const byDisplay = (a: { display: string }, b: { display: string }) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0);
  files.sort(byDisplay);
  walker.problems.sort(byDisplay);
  return { files, problems: walker.problems };
}
