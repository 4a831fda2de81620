import type { ConfigSource } from './config/source';
import type { PythonSource } from './python/source';
import type { Settings } from './settings';
import type { FixSafety, OffsetFix, Severity } from './types';

/**
 * An item of a trigger's list: a word, a pattern, a list of words of which any one will do, or a
 * test of the text (for what a pattern cannot say; it runs last, after the words and patterns).
 */
export type TriggerPart = string | RegExp | readonly string[] | TextTest;
/** A check of a raw text, cheap next to parsing it. */
export type TextTest = (text: string) => boolean;
/** One trigger: a word, a pattern, or a list of items that must all be present. */
export type Trigger = string | RegExp | readonly TriggerPart[];

/** Which kinds of document a rule reads. Notebooks are Python (their code cells). */
export type SourceKind = 'python' | 'config';

/** Documentation with the fixed headings shown by `greenml rule <id>`, hovers and the docs. */
export interface RuleDocs {
  whatItDoes: string;
  whyItWastesEnergy: string;
  /** Code that the rule flags; a test checks that it does. */
  example: DocExample;
  /** The efficient version; a test checks that the rule stays silent on it. */
  useInstead: DocExample;
  fixSafety: string;
  /** References, each `Title — URL or repository path`. */
  sources: string[];
}

export interface DocExample {
  language: 'python' | 'yaml' | 'json';
  code: string;
}

/** A finding as a rule reports it: offsets into the analysed text. */
export interface Report {
  start: number;
  end: number;
  message: string;
  fix?: OffsetFix;
}

export interface PythonContext {
  readonly source: PythonSource;
  readonly settings: Settings;
  report(report: Report): void;
}

export interface ConfigContext {
  readonly config: ConfigSource;
  readonly settings: Settings;
  report(report: Report): void;
}

/**
 * One rule: metadata as data plus a check per source kind. A new rule is one file exporting a
 * `Rule`, one line in `registry.ts` and one fixture folder.
 */
export interface Rule {
  /** kebab-case; equals the file name. */
  readonly id: string;
  /** States the problem, not the fix. */
  readonly title: string;
  readonly defaultSeverity: Severity;
  readonly sources: readonly SourceKind[];
  /** `sometimes`: some findings have no fix (e.g. when the right value cannot be known). */
  readonly fixAvailability: 'always' | 'sometimes' | 'never';
  /** The safety of the fixes the rule offers; `mixed` when it depends on the finding. */
  readonly fixSafety: FixSafety | 'mixed' | 'none';
  /**
   * What a text must contain for the rule to find anything in it, so that files which cannot
   * match are skipped without parsing. Any one entry is enough; an entry is a word, a regular
   * expression, or a list whose items must all be present (an item that is itself a list of words
   * is present when any one of its words is; an item may also be a test of the text). It must hold for every text the rule
   * can fire on (a test compares findings with and without this filter on real code).
   */
  readonly triggers: readonly Trigger[];
  readonly docs: RuleDocs;
  checkPython?(context: PythonContext): void;
  checkConfig?(context: ConfigContext): void;
}
