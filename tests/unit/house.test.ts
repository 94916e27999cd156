// The house (docs/development.md): the layers import in one direction, so no import circle exists
// in src/ (type-only imports count: a circle of types is still a design that goes round); every
// workflow type the worker registers is named once, in src/contracts/workflow-types.ts; starts
// name their workflow from there, never by a string of their own. The lint config keeps each
// layer's own imports (eslint.config.js); this test sees the whole graph.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_TYPE_NAMES } from '../../src/contracts/workflow-types';

const SRC = path.resolve('src');

function sources(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p, ext) : ext.test(f) ? [p] : [];
  });
}

const FILES = sources(SRC, /\.ts$/);
const parsed = new Map(FILES.map((f) => [f, ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true)]));

/** Each file's imports and re-exports of files of src/, type-only ones included. */
function importGraph(): Map<string, string[]> {
  const known = new Set(FILES);
  const graph = new Map<string, string[]>();
  for (const [file, sf] of parsed) {
    const targets: string[] = [];
    sf.forEachChild((node) => {
      if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) || !node.moduleSpecifier || !ts.isStringLiteral(node.moduleSpecifier)) return;
      const spec = node.moduleSpecifier.text;
      if (!spec.startsWith('.')) return;
      const base = path.resolve(path.dirname(file), spec);
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find((t) => known.has(t));
      if (target) targets.push(target);
    });
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components of more than one file (Tarjan): each is an import circle. */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(path.relative(SRC, w));
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const f of graph.keys()) if (!index.has(f)) visit(f);
  return found;
}

describe('the house', () => {
  it('has no import circle in src/', () => {
    expect(circles(importGraph())).toEqual([]);
  });

  it('finds a circle when there is one (the check itself)', () => {
    const a = path.join(SRC, 'a.ts');
    const b = path.join(SRC, 'b.ts');
    expect(circles(new Map([[a, [b]], [b, [a]]]))).toEqual([['a.ts', 'b.ts']]);
  });

  it('names every workflow the worker registers once, in the contracts', () => {
    const index = parsed.get(path.join(SRC, 'workflows/index.ts'))!;
    const registered: string[] = [];
    index.forEachChild((node) => {
      if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) registered.push(...node.exportClause.elements.map((e) => e.name.text));
    });
    expect([...registered].sort()).toEqual([...WORKFLOW_TYPE_NAMES].sort());
  });

  it('starts no workflow by a string of its own: outside the workflows and their contract, a type’s name appears only through WORKFLOW', () => {
    const names = new Set<string>(WORKFLOW_TYPE_NAMES);
    const loose: string[] = [];
    for (const [file, sf] of parsed) {
      const rel = path.relative(SRC, file);
      if (rel.startsWith('workflows/') || rel === 'contracts/workflow-types.ts') continue;
      const look = (node: ts.Node) => {
        if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && names.has(node.text)) loose.push(`${rel}: '${node.text}'`);
        node.forEachChild(look);
      };
      sf.forEachChild(look);
    }
    expect(loose).toEqual([]);
  });

  it('keeps every console module under 400 lines, one per tab', () => {
    const modules = sources(path.join(SRC, 'console'), /\.js$/).map((f) => [path.relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const);
    expect(modules.filter(([, lines]) => lines > 400)).toEqual([]);
    const tabs = [...readFileSync(path.join(SRC, 'console/index.html'), 'utf8').matchAll(/data-tab="([a-z]+)"/g)].map((m) => m[1]!);
    const missing = tabs.filter((t) => !modules.some(([f]) => f === `console/modules/${t}.js`));
    expect(missing).toEqual([]);
  });
});
