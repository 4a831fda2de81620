import { indentOf } from '../text';
import type { OffsetEdit } from '../types';
import type { ConfigMap, ConfigNode, ConfigSource } from './source';

/** Replaces a value's text (`false` → `true`, `32` → `bf16-mixed`). */
export function replaceValue(node: ConfigNode, newText: string): OffsetEdit {
  return { start: node.start, end: node.end, newText };
}

/** A YAML or JSON spelling of a scalar value. */
export function formatScalar(source: ConfigSource, value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  if (source.format === 'json') return JSON.stringify(value);
  return /^[A-Za-z_][\w.-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|~)$/i.test(value) ? value : JSON.stringify(value);
}

/**
 * Adds `key: value` to a map after its last entry, with the entry's indentation (block YAML and
 * multi-line JSON) or inline (flow maps, one-line JSON). `valueText` is already formatted.
 */
export function insertEntry(source: ConfigSource, map: ConfigMap, key: string, valueText: string): OffsetEdit | null {
  const last = map.entries[map.entries.length - 1];
  const eol = source.lines.eol;
  const keyText = source.format === 'json' ? JSON.stringify(key) : key;
  if (!last) {
    if (source.format === 'json') {
      const open = source.text.indexOf('{', map.start);
      if (open < 0) return null;
      return { start: open + 1, end: open + 1, newText: ` ${keyText}: ${valueText} ` };
    }
    return null;
  }
  const lastEnd = last.value ? last.value.end : last.keyEnd;
  if (map.flow) {
    return { start: lastEnd, end: lastEnd, newText: `, ${keyText}: ${valueText}` };
  }
  const keyLine = source.lines.positionAt(last.keyStart).line;
  const indent = indentOf(source.lines.lineText(keyLine)) + (source.format === 'yaml' ? leadingDash(source, keyLine) : '');
  if (source.format === 'json') {
    return { start: lastEnd, end: lastEnd, newText: `,${eol}${indent}${keyText}: ${valueText}` };
  }
  // A block value's range may run into the next line and over trailing blank or comment lines:
  // put the new key right after the last line that holds text of the entry.
  let endLine = source.lines.positionAt(lastEnd).line;
  if (source.lines.positionAt(lastEnd).character === 0 && endLine > keyLine) endLine--;
  while (endLine > keyLine && /^\s*(#.*)?$/.test(source.lines.lineText(endLine))) endLine--;
  const insertAt = source.lines.lineEnd(endLine);
  return { start: insertAt, end: insertAt, newText: `${eol}${indent}${keyText}: ${valueText}` };
}

/** In `- key: value` the entries' indentation includes the dash: continue under the key. */
function leadingDash(source: ConfigSource, line: number): string {
  const text = source.lines.lineText(line);
  const match = /^[ \t]*(- +)/.exec(text);
  return match ? ' '.repeat(match[1].length) : '';
}
