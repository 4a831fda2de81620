/**
 * Commands behind the "Show documentation" action and the footprint code lens. The VS Code
 * extension implements its own (a Markdown preview); other clients (Neovim, …) get commands the
 * server runs itself, answering with a message, so choosing them never ends in "unknown command".
 */
export interface CommandIds {
  showDocs: string;
  showEstimate: string;
}

export const EXTENSION_COMMANDS: CommandIds = { showDocs: 'greenml.showRuleDocumentation', showEstimate: 'greenml.showEstimate' };
export const SERVER_COMMANDS: CommandIds = { showDocs: 'greenml.server.showRuleDocumentation', showEstimate: 'greenml.server.showEstimate' };

/** The extension says it runs the commands itself through this initialization option. */
export function clientRunsCommands(initializationOptions: unknown): boolean {
  return typeof initializationOptions === 'object' && initializationOptions !== null && (initializationOptions as { clientCommands?: unknown }).clientCommands === true;
}
