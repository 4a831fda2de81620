import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DocumentKind } from '../engine/analyze';
import { fixDocument } from '../engine/fixes';
import type { Settings } from '../engine/settings';

export interface FixResult {
  text: string;
  /** How many fixes were applied. */
  applied: number;
  changed: boolean;
}

/** Applies the fixes the options allow (safe ones, or all) to a text. */
export function fixText(kind: DocumentKind, text: string, settings: Settings, unsafe: boolean): FixResult {
  const outcome = fixDocument(kind, text, settings, { unsafe });
  return { text: outcome.text, applied: outcome.applied, changed: outcome.text !== text };
}

/**
 * Replaces a file's content atomically: writes a temporary file in the same folder, syncs it to
 * disk, gives it the original's mode (and owner, where allowed), then renames it over the original.
 * A symbolic link stays a link: its target is replaced. On failure the temporary file is removed.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const target = realpathSync(path);
  const original = statSync(target);
  const temp = join(dirname(target), `.${basename(target)}.greenml-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  let fd: number | null = openSync(temp, 'wx', 0o600);
  try {
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fchmodSync(fd, original.mode & 0o7777);
    if (typeof process.getuid === 'function' && process.getuid() === 0) {
      try {
        fchownSync(fd, original.uid, original.gid);
      } catch {
        // Keeping the owner is best effort.
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // Already failing: the first error is the one to report.
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      // Nothing to clean up.
    }
    throw error;
  }
  syncFolder(dirname(target));
}

/** Makes the rename durable where the platform allows opening a folder. */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported everywhere (Windows); the rename itself is already atomic.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
