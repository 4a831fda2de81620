import type { Rule, TextTest, Trigger, TriggerPart } from './rule';
import { escapeRegExp } from './text';

/**
 * Decides from the raw text which rules could find something, so that files no rule can match are
 * never parsed. Checking each trigger word with `includes` scans the text once per word (about 50
 * words: most of the CLI's time on files that are then skipped); here one regular expression finds
 * every trigger word in a single pass, and the rules' triggers are then judged against that set.
 * Regular-expression and text-test triggers are only tried when the words beside them are present.
 */
export class Prefilter {
  private readonly scanner: RegExp | null;
  /** For each word, the trigger words it contains (`save_steps` contains `save` and `step`). */
  private readonly contained = new Map<string, string[]>();

  constructor(rules: readonly Rule[]) {
    const words = new Set<string>();
    for (const rule of rules) for (const trigger of rule.triggers) for (const part of partsOf(trigger)) for (const word of wordsOf(part)) words.add(word);
    const vocabulary = [...words];
    for (const word of vocabulary) this.contained.set(word, vocabulary.filter((other) => word.includes(other)));
    // Longest first, so that at each position the longest word wins; the words it contains are
    // added through `contained`, and words starting inside it are found because the scan moves on
    // by one character, not past the match.
    const alternation = vocabulary.sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(escapeRegExp).join('|');
    this.scanner = vocabulary.length > 0 ? new RegExp(alternation, 'g') : null;
  }

  /** What one text offers to the triggers; build it once per text and ask it for every rule. */
  scan(text: string): TextEvidence {
    const found = new Set<string>();
    if (this.scanner) {
      const scanner = this.scanner;
      scanner.lastIndex = 0;
      for (let match = scanner.exec(text); match; match = scanner.exec(text)) {
        if (!found.has(match[0])) for (const word of this.contained.get(match[0]) ?? [match[0]]) found.add(word);
        scanner.lastIndex = match.index + 1;
      }
    }
    return new TextEvidence(text, found);
  }
}

/** The trigger words present in one text; patterns and tests are run on demand, once each. */
export class TextEvidence {
  private readonly checkResults = new Map<RegExp | TextTest, boolean>();

  constructor(
    private readonly text: string,
    private readonly words: ReadonlySet<string>,
  ) {}

  /** Whether the text satisfies one of the rule's triggers (so the rule could find something). */
  mayMatch(rule: Rule): boolean {
    return rule.triggers.length === 0 || rule.triggers.some((trigger) => this.satisfies(trigger));
  }

  private satisfies(trigger: Trigger): boolean {
    const parts = partsOf(trigger);
    // Words first: they are set lookups, and most triggers fail on one of them; then patterns, then tests.
    return (
      parts.every((part) => isCheck(part) || this.hasWord(part)) &&
      parts.every((part) => !(part instanceof RegExp) || this.holds(part)) &&
      parts.every((part) => typeof part !== 'function' || this.holds(part))
    );
  }

  private hasWord(part: string | readonly string[]): boolean {
    return typeof part === 'string' ? this.words.has(part) : part.some((word) => this.words.has(word));
  }

  private holds(check: RegExp | TextTest): boolean {
    let result = this.checkResults.get(check);
    if (result === undefined) {
      if (check instanceof RegExp) check.lastIndex = 0;
      result = check instanceof RegExp ? check.test(this.text) : check(this.text);
      this.checkResults.set(check, result);
    }
    return result;
  }
}

function isCheck(part: TriggerPart): part is RegExp | TextTest {
  return part instanceof RegExp || typeof part === 'function';
}

function partsOf(trigger: Trigger): readonly TriggerPart[] {
  return typeof trigger === 'string' || trigger instanceof RegExp ? [trigger] : trigger;
}

function wordsOf(part: TriggerPart): readonly string[] {
  return isCheck(part) ? [] : typeof part === 'string' ? [part] : part;
}

const prefilters = new WeakMap<readonly Rule[], Prefilter>();

/** One prefilter per rule list (the registry's list in practice), built on first use. */
export function prefilterFor(rules: readonly Rule[]): Prefilter {
  let prefilter = prefilters.get(rules);
  if (!prefilter) prefilters.set(rules, (prefilter = new Prefilter(rules)));
  return prefilter;
}
