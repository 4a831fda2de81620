// Tests run the CLI as an unprivileged user (root reads files of mode 000). That user may not
// reach the checkout (a clone in a private temporary folder): then it runs a world-readable copy
// of the bundle and its WebAssembly files, so the test still checks what it means to.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const copies = new Map<string, string>();

export function cliReadableBy(uid: number, cli: string): string {
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(cli)}, require('fs').constants.R_OK)`], { uid, gid: uid });
  if (probe.status === 0) return cli;
  let copy = copies.get(cli);
  if (!copy) {
    const dir = mkdtempSync(join(tmpdir(), 'greenml-cli-copy-'));
    chmodSync(dir, 0o755);
    for (const name of readdirSync(dirname(cli))) {
      if (name.endsWith('.map')) continue;
      copyFileSync(join(dirname(cli), name), join(dir, name));
      chmodSync(join(dir, name), 0o644);
    }
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    copies.set(cli, (copy = join(dir, basename(cli))));
  }
  return copy;
}
