import { readFileSync, statSync } from 'node:fs';
import { MAX_DOCUMENT_CHARS } from '../engine/analyze';

export type ReadOutcome =
  | { ok: true; text: string; /** The file started with a UTF-8 byte order mark (removed from `text`). */ bom: boolean }
  | { ok: false; message: string };

/** Files this big are not even read: the engine would refuse them anyway. */
const MAX_FILE_BYTES = 4 * MAX_DOCUMENT_CHARS;

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    case 'ENOENT':
      return 'no such file';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Reads a file as strict UTF-8. Anything else (unreadable, a folder, invalid UTF-8) is a message. */
export function readSource(path: string): ReadOutcome {
  let bytes: Buffer;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return { ok: false, message: 'cannot read file: is a folder' };
    if (!stat.isFile()) return { ok: false, message: 'cannot read file: not a regular file' };
    if (stat.size > MAX_FILE_BYTES) return { ok: false, message: `file too large to analyse (${(stat.size / 1048576).toFixed(1)} MB)` };
    bytes = readFileSync(path);
  } catch (error) {
    return { ok: false, message: `cannot read file: ${reason(error)}` };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { ok: false, message: bytes.includes(0) ? 'binary file (not valid UTF-8), not analysed' : 'not valid UTF-8, not analysed' };
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  return { ok: true, text: bom ? text.slice(1) : text, bom };
}
