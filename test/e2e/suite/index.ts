// Entry point that VS Code's extension host loads as `extensionTestsPath`: runs the mocha suite in this
// folder inside the extension host, with the real `vscode` API. Used by both launchers
// (scripts/e2e/run-code-server.mjs here, test/e2e/run-electron.ts where desktop VS Code can be downloaded).
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // The reporter's output goes to the extension host's console (stdout under @vscode/test-electron, the
  // workbench log in code-server) and, when a launcher asks for it, to a file it can follow. The
  // extension host's console methods cannot be replaced (VS Code forwards them and ignores
  // assignments), so the hook is mocha's own: reporters print through Base.consoleLog.
  const reportFile = process.env.GREENML_E2E_REPORT;
  if (reportFile) {
    const original = Mocha.reporters.Base.consoleLog;
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
      appendFileSync(reportFile, `${format(...(args as [unknown, ...unknown[]]))}\n`);
      original(...args);
    };
  }
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 90_000, slow: 10_000 });
  // GREENML_E2E_GREP runs only the tests whose full title contains it; GREENML_E2E_SKIP all the others.
  const grep = process.env.GREENML_E2E_GREP;
  const skip = process.env.GREENML_E2E_SKIP;
  if (grep) mocha.grep(grep);
  else if (skip) mocha.grep(skip).invert();
  for (const file of readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} GreenML e2e test(s) failed`)) : resolve()));
    } catch (error) {
      reject(error);
    }
  });
}
