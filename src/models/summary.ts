import { ValueError } from '../errors.js';
import type { Module } from '../nn/module.js';

export interface SummaryRow { name: string; type: string; outputShape: number[]; params: number }

/** Every leaf layer in order, with its dotted name (nested containers are walked through). */
function leaves(m: Module, prefix = ''): [string, Module][] {
  const kids = m.namedChildren();
  if (kids.length === 0) return [[prefix || '(model)', m]];
  return kids.flatMap(([name, child]) => leaves(child, prefix ? `${prefix}.${name}` : name));
}

/**
 * Each layer's output shape and parameter count for an input of `inputShape` (without the batch
 * dim), computed from the layers' `outputShape` without running the model.
 */
export function summaryRows(model: Module, inputShape: readonly number[]): SummaryRow[] {
  let shape = [1, ...inputShape];
  return leaves(model).map(([name, layer]) => {
    shape = layer.outputShape(shape);
    const params = [...layer.namedParameters()].reduce((n, [, p]) => n + p.size, 0);
    return { name, type: layer.constructor.name, outputShape: shape.slice(1), params };
  });
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
