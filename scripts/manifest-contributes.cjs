/** The extension's `contributes` section, derived from the rules (CommonJS, so tests can require it). */
function contributes(rules) {
  const severityEnum = ['off', 'hint', 'info', 'warning', 'error'];
  return {
    commands: [
      { command: 'greenml.scanWorkspace', title: 'Scan Workspace', category: 'GreenML' },
      { command: 'greenml.showRuleDocumentation', title: 'Show Rule Documentation', category: 'GreenML' },
      { command: 'greenml.restartServer', title: 'Restart Server', category: 'GreenML' },
      { command: 'greenml.showOutput', title: 'Show Output', category: 'GreenML' },
      { command: 'greenml.showEstimate', title: 'Show Footprint Estimate', category: 'GreenML' },
    ],
    menus: { commandPalette: [{ command: 'greenml.showEstimate', when: 'false' }] },
    configuration: {
      title: 'GreenML',
      properties: {
        'greenml.enable': { type: 'boolean', default: true, scope: 'resource', description: 'Report GreenML findings for this folder.' },
        'greenml.severity': {
          type: 'object',
          scope: 'resource',
          default: {},
          markdownDescription:
            'Severity per rule: `off`, `hint`, `info`, `warning` or `error`. Unset rules use their default. `[tool.greenml]` in the nearest `pyproject.toml` takes precedence over these settings.',
          properties: Object.fromEntries(
            rules.map((rule) => [rule.id, { type: 'string', enum: severityEnum, description: `${rule.title} (default: ${rule.defaultSeverity}).` }]),
          ),
          additionalProperties: false,
        },
        'greenml.thresholds': {
          type: 'object',
          scope: 'resource',
          default: {},
          markdownDescription: 'Thresholds that decide when rules fire; `[tool.greenml.thresholds]` in pyproject.toml takes precedence.',
          properties: {
            'grid-search-fits': { type: 'number', minimum: 1, description: 'exhaustive-grid-search: flag searches with at least this many fits (default 100).' },
            'early-stopping-epochs': { type: 'number', minimum: 1, description: 'no-early-stopping: flag training with at least this many epochs (default 10).' },
            'checkpoint-interval': { type: 'number', minimum: 1, description: 'excessive-checkpointing: flag save/eval intervals below this many steps (default 100).' },
            'high-carbon-intensity': { type: 'number', minimum: 1, description: 'high-carbon-region: flag regions at or above this grid intensity in gCO2e/kWh (default 400).' },
            'large-model-parameters': { type: 'number', minimum: 1, description: 'full-finetune-large-model and fp32-inference: models with at least this many parameters (default 1e9).' },
          },
          additionalProperties: false,
        },
        'greenml.hardware.gpu': { type: 'string', default: 'A100-SXM4', scope: 'resource', description: 'GPU model used for footprint estimates in code lenses (e.g. A100-SXM4, H100-SXM5, T4, L4).' },
        'greenml.hardware.count': { type: 'integer', default: 1, minimum: 1, scope: 'resource', description: 'Number of GPUs a training run uses, for footprint estimates.' },
        'greenml.region.provider': { type: 'string', enum: ['', 'gcp', 'aws', 'azure'], default: '', scope: 'resource', description: 'Cloud provider of the training region, for footprint estimates.' },
        'greenml.region.id': { type: 'string', default: '', scope: 'resource', description: 'Training region for footprint estimates (e.g. us-central1, eu-north-1, westeurope). Empty: world-average grid intensity.' },
        'greenml.trace.server': { type: 'string', enum: ['off', 'messages', 'verbose'], default: 'off', scope: 'window', description: 'Traces the communication between VS Code and the GreenML language server into the GreenML output channel; set that channel\'s log level to Trace (Output panel, gear menu) to see it.' },
      },
    },
  };
}
module.exports = { contributes };
