// Loaded by mocha before any test (.mocharc.json "require"): the CLI runs the tests start keep their
// findings cache in a temporary folder, not in the user's ~/.cache/greenml, and it goes at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!process.env.GREENML_CACHE_DIR) {
  const dir = mkdtempSync(join(tmpdir(), 'greenml-test-cache-'));
  process.env.GREENML_CACHE_DIR = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
