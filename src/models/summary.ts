import { ValueError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { Concat } from '../nn/layers/concat.js';
import { Graph, mergeShape } from '../nn/layers/graph.js';
import { Residual } from '../nn/layers/residual.js';
import { Sequential } from '../nn/layers/sequential.js';

export interface SummaryRow { name: string; type: string; outputShape: number[]; params: number }

/**
 * Each layer's output shape and parameter count for an input of `inputShape` (without the batch
 * dim), computed from the layers' `outputShape` without running the model. Containers are walked
 * through: a Sequential's layers in turn, a Residual's block and shortcut and a Concat's branches
 * from the same input, a Graph's nodes from the values they read; their merges are rows too.
 */
export function summaryRows(model: Module, inputShape: readonly number[]): SummaryRow[] {
  return rowsOf(model, '', [1, ...inputShape])[0].map((r) => ({ ...r, outputShape: r.outputShape.slice(1) }));
}

const paramCount = (m: Module): number => [...m.namedParameters()].reduce((n, [, p]) => n + p.size, 0);
const join = (prefix: string, name: string): string => (prefix ? `${prefix}.${name}` : name);

/** The rows of `m` (named `name`) for an input of `shape` (batch dim included), and its output's shape. */
function rowsOf(m: Module, name: string, shape: number[]): [SummaryRow[], number[]] {
  if (m instanceof Sequential) {
    const rows: SummaryRow[] = [];
    let s = shape;
    for (const [child, layer] of m.namedChildren()) { const [r, out] = rowsOf(layer, join(name, child), s); rows.push(...r); s = out; }
    return [rows, s];
  }
  if (m instanceof Residual || m instanceof Concat) {
    const rows = m.namedChildren().flatMap(([child, b]) => rowsOf(b, join(name, child), shape)[0]);
    const out = m.outputShape(shape);
    return [[...rows, { name: name || '(model)', type: m instanceof Residual ? 'Residual (add)' : 'Concat', outputShape: out, params: 0 }], out];
  }
  if (m instanceof Graph) {
    const rows: SummaryRow[] = [];
    const out = m.walk(shape, (node, ins) => {
      if (node.module) { const [r, o] = rowsOf(node.module, join(name, node.name), ins[0]!); rows.push(...r); return o; }
      const o = mergeShape(node, ins);
      rows.push({ name: join(name, node.name), type: node.merge === 'add' ? 'Add' : 'Concat', outputShape: o, params: 0 });
      return o;
    });
    return [rows, out];
  }
  const out = m.outputShape(shape);
  return [[{ name: name || '(model)', type: m.constructor.name, outputShape: out, params: paramCount(m) }], out];
}

const thousands = (n: number): string => n.toLocaleString('en-US');

/**
 * A Keras-style table of every layer's output shape and parameter count, with the totals.
 * @example console.log(kiln.models.lenet5().summary())
 */
export function summary(model: Module, inputShape: readonly number[] | undefined): string {
  if (!inputShape) throw new ValueError('summary: pass the input shape without the batch dim, e.g. summary(model, [1, 28, 28])');
  const rows = summaryRows(model, inputShape);
  const total = model.parameters().reduce((n, p) => n + p.size, 0);
  const trainable = model.parameters().filter((p) => p.requiresGrad).reduce((n, p) => n + p.size, 0);
  const cells = rows.map((r) => [`${r.name} (${r.type})`, `[${r.outputShape.join(', ')}]`, thousands(r.params)]);
  const head = ['Layer (type)', 'Output shape', 'Param #'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `${c[0]!.padEnd(w[0]!)}  ${c[1]!.padEnd(w[1]!)}  ${c[2]!.padStart(w[2]!)}`;
  const rule = (ch: string): string => ch.repeat(w[0]! + w[1]! + w[2]! + 4);
  return [
    `Input: [${inputShape.join(', ')}]`, rule('='), line(head), rule('='), ...cells.map(line), rule('='),
    `Total params: ${thousands(total)}`, `Trainable params: ${thousands(trainable)}`, `Non-trainable params: ${thousands(total - trainable)}`,
  ].join('\n');
}
