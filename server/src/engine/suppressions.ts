import type { LineIndex } from './text';

/**
 * `# greenml: ignore[rule-a, rule-b]` silences those rules on its line, or on the next line when
 * the comment stands alone; `# greenml: ignore` without a list silences every rule there;
 * `# greenml: ignore-file` silences the whole file. The same comments work in YAML.
 */
const DIRECTIVE = /#\s*greenml:\s*ignore(-file)?(?:\[([^\]\n]*)\])?/g;

export class Suppressions {
  private readonly byLine = new Map<number, Set<string> | 'all'>();
  readonly wholeFile: boolean;

  constructor(lines: LineIndex) {
    let wholeFile = false;
    const text = lines.text;
    // Cheap exit for the common case: most files have no directive at all.
    if (!text.includes('greenml:')) {
      this.wholeFile = false;
      return;
    }
    for (const match of text.matchAll(DIRECTIVE)) {
      if (match[1]) {
        wholeFile = true;
        continue;
      }
      const offset = match.index ?? 0;
      const line = lines.positionAt(offset).line;
      const ids = match[2] === undefined ? 'all' : new Set(match[2].split(',').map((s) => s.trim()).filter(Boolean));
      this.add(line, ids);
      const standsAlone = lines.lineText(line).trimStart().startsWith('#');
      if (standsAlone) this.add(line + 1, ids);
    }
    this.wholeFile = wholeFile;
  }

  private add(line: number, ids: Set<string> | 'all'): void {
    const existing = this.byLine.get(line);
    if (existing === 'all' || ids === 'all') this.byLine.set(line, 'all');
    else if (existing) ids.forEach((id) => existing.add(id));
    else this.byLine.set(line, new Set(ids));
  }

  isSuppressed(rule: string, line: number): boolean {
    if (this.wholeFile) return true;
    const ids = this.byLine.get(line);
    return ids === 'all' || (ids !== undefined && ids.has(rule));
  }
}
