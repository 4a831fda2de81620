// Building blocks for rules' prefilter triggers (see Rule.triggers): each must hold for every text the
// rule can fire on, so the patterns allow whatever Python allows between tokens inside brackets.

/** What may separate two tokens inside brackets: spaces, newlines, line continuations, comments. */
export const GAP = String.raw`(?:\s|\\|#[^\n]*\n)*`;

/** A method call `x.name(` however it is spaced or broken across lines. */
export function methodCall(name: string): RegExp {
  return new RegExp(String.raw`\.${GAP}${name}${GAP}\(`);
}

/** `m.eval()`-style calls with a first argument that starts with `first` (`m.train(False)`). */
export function methodCallWith(name: string, first: string): RegExp {
  return new RegExp(String.raw`\.${GAP}${name}${GAP}\(${GAP}${first}`);
}

/** Any import of a PyTorch-family library the rules resolve names from (torch, torchvision, transformers, timm, Lightning): any one of these words. */
export const TORCH_FAMILY = ['torch', 'transformers', 'timm', 'lightning'] as const;

/** `.cuda` or a "cuda"/"gpu" device string: what PythonSource.usesCuda looks for. */
export const MENTIONS_GPU = /cuda|gpu/i;

/** A hand-written training loop (shared/training-loops.ts) needs a backward() call and an optimizer step() call. */
export const TRAINING_LOOP = ['backward', 'step', methodCall('backward'), methodCall('step')] as const;
