import { ValueError } from '../errors.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { checkInt, checkOneOf, checkOptions } from '../validate.js';

/**
 * How one hyperparameter is drawn. The course's advice: draw a learning rate on a log scale
 * (`{ logUniform: [1e-4, 1] }`: r uniform in [−4, 0], α = 10^r), and β near 1 on a log scale of 1 − β
 * (`{ oneMinusLogUniform: [0.9, 0.999] }`), so that each decade gets as many trials.
 */
export type Distribution =
  | { logUniform: readonly [number, number] }
  | { oneMinusLogUniform: readonly [number, number] }
  | { uniform: readonly [number, number] }
  | { intUniform: readonly [number, number] }
  | { choice: readonly (number | string)[] };

/** One trial's hyperparameters and the score the objective gave them. */
export interface SearchTrial { params: Record<string, number | string>; score: number }

export interface SearchResult {
  /** Every trial, best first. */
  trials: SearchTrial[];
  best: SearchTrial;
  /** The trials as a plain-text table, best first (what `kiln search` prints). */
  table(): string;
}

export interface RandomSearchOptions {
  /** How many settings to try. */
  trials: number;
  /** Seed of the draws (default: the global generator, `manualSeed`). */
  seed?: number;
  /** `'min'` when a lower score is better (an error or a dev loss; the default), `'max'` for accuracy. */
  mode?: 'min' | 'max';
  /** Called after each trial, e.g. to print progress. */
  onTrial?: (trial: SearchTrial, index: number) => void;
}

/** One draw from `d` (checked). */
function draw(name: string, d: Distribution, g: Generator): number | string {
  const range = (r: unknown, positive: boolean): [number, number] => {
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1]) || (positive && r[0] <= 0)) {
      throw new ValueError(`randomSearch: ${name} needs a range [low, high] with low < high${positive ? ' and low > 0' : ''}, got ${JSON.stringify(r)}`);
    }
    return r as [number, number];
  };
  if ('logUniform' in d) {
    const [lo, hi] = range(d.logUniform, true);
    return 10 ** (Math.log10(lo) + g.uniform() * (Math.log10(hi) - Math.log10(lo)));
  }
  if ('oneMinusLogUniform' in d) {
    const [lo, hi] = range(d.oneMinusLogUniform, false);
    if (hi >= 1) throw new ValueError(`randomSearch: ${name}'s oneMinusLogUniform range must stay below 1, got ${hi}`);
    return 1 - 10 ** (Math.log10(1 - hi) + g.uniform() * (Math.log10(1 - lo) - Math.log10(1 - hi)));
  }
  if ('uniform' in d) {
    const [lo, hi] = range(d.uniform, false);
    return lo + g.uniform() * (hi - lo);
  }
  if ('intUniform' in d) {
    const [lo, hi] = range(d.intUniform, false);
    return g.int(Math.ceil(lo), Math.floor(hi) + 1);
  }
  if ('choice' in d && Array.isArray(d.choice) && d.choice.length > 0) return d.choice[g.int(0, d.choice.length)]!;
  throw new ValueError(`randomSearch: ${name} must be { logUniform }, { oneMinusLogUniform }, { uniform }, { intUniform } or a non-empty { choice }, got ${JSON.stringify(d)}`);
}

/** A number as a table shows it: 4 significant digits. */
const show = (v: number | string): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v);

/**
 * Random search over hyperparameters, as the course recommends over a grid: `trials` settings drawn
 * from `space`, each scored by `objective` (train a model, return its dev error or loss), best first.
 * @example
 * const r = await kiln.randomSearch({ lr: { logUniform: [1e-4, 1] }, hidden: { choice: [4, 8, 16] } },
 *   async ({ lr, hidden }) => devErrorOf(lr as number, hidden as number), { trials: 20, seed: 0 });
 * console.log(r.table(), r.best.params);
 */
export async function randomSearch(
  space: Record<string, Distribution>,
  objective: (params: Record<string, number | string>) => number | Promise<number>,
  options: RandomSearchOptions,
): Promise<SearchResult> {
  checkOptions('randomSearch', options, ['trials', 'seed', 'mode', 'onTrial']);
  const trials = checkInt('randomSearch', 'trials', options.trials);
  const mode = checkOneOf('randomSearch', 'mode', options.mode ?? 'min', ['min', 'max']);
  const names = Object.keys(space ?? {});
  if (names.length === 0) throw new ValueError('randomSearch: the space is empty; give each hyperparameter a distribution, e.g. { lr: { logUniform: [1e-4, 1] } }');
  if (typeof objective !== 'function') throw new ValueError('randomSearch: objective must be a function (params) => score');
  const g = options.seed === undefined ? defaultGenerator : new Generator(options.seed);
  const done: SearchTrial[] = [];
  for (let t = 0; t < trials; t++) {
    const params: Record<string, number | string> = {};
    for (const name of names) params[name] = draw(name, space[name]!, g);
    const score = await objective(params);
    if (typeof score !== 'number' || Number.isNaN(score)) throw new ValueError(`randomSearch: the objective returned ${String(score)} for ${JSON.stringify(params)}; it must return a number`);
    const trial = { params, score };
    done.push(trial);
    options.onTrial?.(trial, t);
  }
  const sorted = [...done].sort((a, b) => (mode === 'min' ? a.score - b.score : b.score - a.score));
  return {
    trials: sorted,
    best: sorted[0]!,
    table: () => {
      const rows = [['#', ...names, 'score'], ...sorted.map((t, i) => [String(i + 1), ...names.map((n) => show(t.params[n]!)), show(t.score)])];
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      return rows.map((r) => r.map((cell, c) => cell.padStart(widths[c]!)).join('  ')).join('\n');
    },
  };
}
