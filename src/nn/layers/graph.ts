import { FormatError, ShapeError, ValueError, fmtShape } from '../../errors.js';
import { cat } from '../../ops/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fromConfig } from '../config.js';
import { CHILD_NAME, Module } from '../module.js';
import type { ModuleConfig } from '../module.js';
import { concatShape } from './concat.js';

/** How a graph node combines its inputs when it holds no layer. */
export type GraphMerge = 'add' | 'concat';

/**
 * One node of a Graph: a layer applied to one earlier value, or a merge of several.
 * `inputs` name earlier nodes, or `'input'` (the graph's input).
 */
export interface GraphNode {
  /** Unique, letters, digits and _ (it is the node's part of parameter names: `block1.weight`). */
  name: string;
  inputs: string[];
  /** The layer (exactly one input). */
  module?: Module;
  /** Or a merge of two or more inputs: their sum (broadcasting), or their concatenation along `dim` (default 1). */
  merge?: GraphMerge;
  dim?: number;
}

/** The most nodes a graph (or a graph's config, from a file) may have. */
const MAX_NODES = 100_000;

/**
 * A model defined as a graph of layers (a directed acyclic graph, in order): skip connections,
 * branches that merge, anything a Sequential cannot say. Each node reads earlier values by name;
 * `output` names the result. It trains, saves (the graph in model.json), summarises and exports
 * to ONNX like a Sequential.
 * @example
 * new nn.Graph({ nodes: [
 *   { name: 'conv', inputs: ['input'], module: new nn.Conv2d(8, 8, 3, { padding: 1 }) },
 *   { name: 'relu', inputs: ['conv'], module: new nn.ReLU() },
 *   { name: 'sum', inputs: ['relu', 'input'], merge: 'add' },
 * ], output: 'sum' })
 */
export class Graph extends Module {
  readonly nodes: readonly GraphNode[];
  readonly output: string;

  constructor(spec: { nodes: GraphNode[]; output: string }) {
    super();
    if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.nodes)) throw new ValueError('Graph: pass { nodes: [...], output: name }');
    if (spec.nodes.length > MAX_NODES) throw new ValueError(`Graph: ${spec.nodes.length} nodes is more than ${MAX_NODES}`);
    const seen = new Set(['input']);
    spec.nodes.forEach((n, i) => {
      const at = `Graph: node ${i}${typeof n?.name === 'string' ? ` "${n.name}"` : ''}`;
      if (typeof n !== 'object' || n === null) throw new ValueError(`${at} is not a node object`);
      if (typeof n.name !== 'string' || !CHILD_NAME.test(n.name)) throw new ValueError(`${at}: a name is letters, digits and _ (it becomes part of parameter names), got ${JSON.stringify(n.name)}`);
      if (seen.has(n.name)) throw new ValueError(`${at}: the name is used twice${n.name === 'input' ? ' ("input" is the graph\'s input)' : ''}`);
      if (!Array.isArray(n.inputs) || n.inputs.length === 0) throw new ValueError(`${at}: inputs must name at least one earlier node (or "input")`);
      for (const input of n.inputs) if (!seen.has(input)) throw new ValueError(`${at} reads "${input}", which is not an earlier node${spec.nodes.some((m) => m.name === input) ? ' (nodes come in order: move it before this one)' : ''}`);
      if ((n.module === undefined) === (n.merge === undefined)) throw new ValueError(`${at}: give either a module or a merge ('add' or 'concat')`);
      if (n.module !== undefined) {
        if (!(n.module instanceof Module)) throw new ValueError(`${at}: module is not a Module`);
        if (n.inputs.length !== 1) throw new ValueError(`${at}: a layer reads one input, got ${n.inputs.length}`);
      } else {
        if (n.merge !== 'add' && n.merge !== 'concat') throw new ValueError(`${at}: merge must be 'add' or 'concat', got ${JSON.stringify(n.merge)}`);
        if (n.inputs.length < 2) throw new ValueError(`${at}: a merge reads two or more inputs`);
        if (n.dim !== undefined && (!Number.isInteger(n.dim) || n.merge !== 'concat')) throw new ValueError(`${at}: dim is a whole number, for a concat`);
      }
      seen.add(n.name);
    });
    if (typeof spec.output !== 'string' || !seen.has(spec.output)) throw new ValueError(`Graph: output must name a node, got ${JSON.stringify(spec.output)}`);
    this.nodes = spec.nodes.map((n) => ({ ...n, inputs: [...n.inputs] }));
    this.output = spec.output;
  }

  override namedChildren(): [string, Module][] {
    return this.nodes.filter((n) => n.module).map((n) => [n.name, n.module!]);
  }

  forward(x: Tensor): Tensor {
    return this.walk(x, (n, ins) => (n.module ? n.module.forward(ins[0]!) : n.merge === 'add' ? ins.reduce((a, b) => a.add(b)) : cat(ins, n.dim ?? 1)));
  }

  override outputShape(input: readonly number[]): number[] {
    return this.walk([...input], (n, ins) => (n.module ? n.module.outputShape(ins[0]!) : mergeShape(n, ins)));
  }

  /** Runs the nodes in order from `x`, each on the values it reads; returns the output's. */
  walk<V>(x: V, step: (node: GraphNode, inputs: V[]) => V): V {
    const values = new Map<string, V>([['input', x]]);
    for (const n of this.nodes) values.set(n.name, step(n, n.inputs.map((i) => values.get(i)!)));
    return values.get(this.output)!;
  }

  override toConfig(): ModuleConfig {
    return {
      type: 'Graph',
      nodes: this.nodes.map((n) => ({ name: n.name, inputs: n.inputs, ...(n.module ? { module: n.module.toConfig() } : { merge: n.merge!, ...(n.dim !== undefined ? { dim: n.dim } : {}) }) })),
      output: this.output,
    };
  }

  static fromConfig(c: ModuleConfig): Graph {
    if (!Array.isArray(c.nodes)) throw new FormatError('Graph.fromConfig: "nodes" must be an array');
    if (c.nodes.length > MAX_NODES) throw new FormatError(`Graph.fromConfig: ${c.nodes.length} nodes is more than ${MAX_NODES}`);
    const nodes = c.nodes.map((raw, i): GraphNode => {
      const n = raw as Record<string, unknown>;
      if (typeof n !== 'object' || n === null) throw new FormatError(`Graph.fromConfig: node ${i} is not an object`);
      const { name, inputs, module, merge, dim } = n;
      if (!Array.isArray(inputs) || inputs.some((s) => typeof s !== 'string')) throw new FormatError(`Graph.fromConfig: node ${i}'s inputs must be an array of names`);
      return {
        name: name as string, inputs: inputs as string[],
        ...(module !== undefined ? { module: fromConfig(module as ModuleConfig) } : { merge: merge as GraphMerge }),
        ...(dim !== undefined ? { dim: dim as number } : {}),
      };
    });
    try {
      return new Graph({ nodes, output: c.output as string });
    } catch (e) {
      throw e instanceof ValueError ? new FormatError(`Graph.fromConfig: ${e.message}`) : e;
    }
  }
}

/** The shape a merge node gives for its inputs' shapes (a ShapeError when they do not fit together). */
export function mergeShape(n: GraphNode, ins: readonly (readonly number[])[]): number[] {
  if (n.merge === 'concat') return concatShape(ins, n.dim ?? 1, `Graph node "${n.name}" (concat)`);
  for (const s of ins.slice(1)) {
    if (s.length !== ins[0]!.length || s.some((d, i) => d !== ins[0]![i])) throw new ShapeError(`Graph node "${n.name}" (add): ${fmtShape(ins[0]!)} and ${fmtShape(s)} differ; the values added must have one shape`);
  }
  return [...ins[0]!];
}
