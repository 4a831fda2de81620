import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { walk, type PyNode } from '../../server/src/engine/python/tree';

/** Every .py file below a folder. */
export function pythonFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) pythonFiles(full, out);
    else if (entry.name.endsWith('.py')) out.push(full);
  }
  return out;
}

/** The nodes of a type below a node (itself included), found by walking: what indexes are checked against. */
export function nodesByWalking(root: PyNode, type: string): PyNode[] {
  const found: PyNode[] = [];
  walk(root, (n) => {
    if (n.type === type) found.push(n);
  });
  return found;
}
