// Runs the GreenML end-to-end suite (test/e2e/suite) in desktop VS Code through @vscode/test-electron,
// where VS Code can be downloaded (a developer laptop, a hosted CI with internet; on Linux under xvfb).
// The same suite runs here, where it cannot be downloaded, in code-server: scripts/e2e/run-code-server.mjs.
//
//   npm run build && npm run package && node scripts/build.mjs --tests
//   xvfb-run -a node out/test/e2e/run-electron.js [--vsix FILE] [--vscode-version 1.100.3|stable | --vscode-executable PATH]
//                                                 [--grep TEXT | --skip TEXT] [--keep]
//
// The extension under test is the packaged greenml-<version>.vsix, installed with the VS Code CLI's
// --install-extension into a throwaway extensions folder. VS Code only loads an extension test suite
// together with a development extension, so --extensionDevelopmentPath names test/e2e/harness, an empty
// extension: the GreenML that runs is the installed one (the suite checks that).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath, runTests } from '@vscode/test-electron';

/** The repository root: the nearest folder above this file with the fixture workspace in it (out/ has a package.json copy too). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'test', 'e2e', 'workspace'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<number> {
  const root = repoRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; publisher: string; version: string };
  const vsix = resolve(option('--vsix') ?? join(root, `greenml-${pkg.version}.vsix`));
  if (!existsSync(vsix)) throw new Error(`${vsix} not found: run npm run build && npm run package first`);
  const suite = join(root, 'out', 'test', 'e2e', 'suite', 'index.js');
  if (!existsSync(suite)) throw new Error(`${suite} not found: run node scripts/build.mjs --tests first`);

  const tmp = mkdtempSync(join(tmpdir(), 'greenml-e2e-electron-'));
  const userData = join(tmp, 'user-data');
  const extensions = join(tmp, 'extensions');
  const workspace = join(tmp, 'workspace');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  cpSync(join(root, 'test', 'e2e', 'workspace'), workspace, { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'extensions.ignoreRecommendations': true,
      'extensions.autoUpdate': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'git.enabled': false,
      'window.restoreWindows': 'none',
    }),
  );
  let code = 1;
  try {
    // A VS Code already on the machine (--vscode-executable), or one downloaded into .vscode-test/.
    const vscodeExecutablePath = option('--vscode-executable') ?? (await downloadAndUnzipVSCode(option('--vscode-version') ?? process.env.VSCODE_VERSION ?? 'stable'));
    const [cli, ...cliArgs] = resolveCliArgsFromVSCodeExecutablePath(vscodeExecutablePath, { reuseMachineInstall: true });
    const profile = [`--extensions-dir=${extensions}`, `--user-data-dir=${userData}`];
    const install = spawnSync(cli, [...cliArgs, ...profile, '--install-extension', vsix], { stdio: 'inherit', shell: process.platform === 'win32' });
    const installed = readdirSync(extensions).some((name) => name.startsWith(`${pkg.publisher}.${pkg.name}-`));
    if (install.status !== 0 || !installed) throw new Error(`--install-extension ${vsix} failed (exit ${install.status})`);

    code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: join(root, 'test', 'e2e', 'harness'),
      extensionTestsPath: suite,
      extensionTestsEnv: { GREENML_E2E_GREP: option('--grep'), GREENML_E2E_SKIP: option('--skip') },
      launchArgs: [workspace, ...profile, '--disable-gpu', '--disable-telemetry'],
    });
  } finally {
    if (code === 0 && !process.argv.includes('--keep')) rmSync(tmp, { recursive: true, force: true });
    else console.log(`[e2e] user data, extensions and workspace kept in ${tmp}`);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
