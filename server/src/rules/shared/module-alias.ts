import { ensureImport } from '../../engine/python/edits';
import type { PythonSource } from '../../engine/python/source';
import type { PyNode } from '../../engine/python/tree';
import type { OffsetEdit } from '../../engine/types';

/** The local name bound to a module (`torch`, `th`...), for code a fix inserts; null when none is. */
export function moduleAlias(source: PythonSource, module: string): string | null {
  for (const node of source.nodes('identifier')) {
    if (node.parent?.type === 'aliased_import' || node.parent?.type === 'dotted_name') continue;
    if (source.qualifiedName(node) === module) return source.textOf(node);
  }
  for (const statement of source.nodes('import_statement')) {
    // `import torch` with no use yet still binds the name.
    const text = source.textOf(statement).replace(/\s+/g, ' ').trim();
    if (text === `import ${module}`) return module;
  }
  return null;
}

/** The name to spell `torch` with in inserted code, and the import edit needed when there is none. */
export function torchName(source: PythonSource, near?: PyNode): { name: string; importEdit: OffsetEdit | null } {
  const alias = moduleAlias(source, 'torch');
  if (alias) return { name: alias, importEdit: null };
  return { name: 'torch', importEdit: ensureImport(source, 'import torch', near) };
}
