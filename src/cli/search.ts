import { ValueError } from '../errors.js';
import { randomSearch } from '../train/search.js';
import type { Distribution } from '../train/search.js';
import { checkInt } from '../validate.js';
import { trainRun } from './train.js';
import type { TrainArgs } from './train.js';

// `kiln search`: the course's random search. Each trial trains as `kiln train` would, with α drawn
// on a log scale (and the hidden layers drawn from a list, when given), and is scored on the
// held-out set: its error for classification, its loss otherwise.

/** `kiln search`'s own options; the rest are `kiln train`'s, shared by every trial. */
export interface SearchArgs extends TrainArgs {
  trials: string;
  lrRange: string;
  hiddenChoices?: string;
}

/** "low:high" as a range of positive numbers. */
function parseRange(text: string): [number, number] {
  const parts = text.split(':').map(Number);
  if (parts.length !== 2 || !parts.every((v) => Number.isFinite(v) && v > 0) || !(parts[0]! < parts[1]!)) {
    throw new ValueError(`search: --lr-range must be low:high with 0 < low < high, e.g. 1e-4:1, got "${text}"`);
  }
  return parts as [number, number];
}

/** `kiln search <data> [options]`: random search over α (log scale) and the hidden layers; prints a table and the best. */
export async function searchCommand(source: string, a: SearchArgs, log: (line: string) => void = console.log): Promise<void> {
  const trials = checkInt('search', '--trials', Number(a.trials));
  const lrRange = parseRange(a.lrRange);
  const space: Record<string, Distribution> = { lr: { logUniform: lrRange } };
  if (a.hiddenChoices !== undefined) space.hidden = { choice: a.hiddenChoices.split(';').map((h) => h.trim()) };
  if (Number(a.testSplit) === 0 && source !== 'mnist') throw new ValueError('search: trials are scored on the held-out set; --test-split must be above 0');
  if (a.save !== undefined || a.plot !== undefined || a.checkpoint !== undefined || a.resume) {
    throw new ValueError('search: --save, --plot, --checkpoint and --resume belong to kiln train; search prints the best setting, then train it with kiln train');
  }
  log(`kiln search ${source}: ${trials} trials, α log-uniform in [${lrRange.join(', ')}]${space.hidden ? `, hidden layers from ${a.hiddenChoices}` : ''}, scored on the held-out set`);
  let scored = 'loss';
  const result = await randomSearch(space, async (params) => {
    const run = await trainRun(source, { ...a, lr: String(params.lr), ...(params.hidden === undefined ? {} : { hidden: String(params.hidden) }) }, () => {}, false);
    const h = run.result.history;
    scored = run.metrics.length ? 'error' : 'loss';
    return run.metrics.length ? 1 - h.valAccuracy!.at(-1)! : h.valLoss!.at(-1)!;
  }, {
    trials, seed: Number(a.seed),
    onTrial: (t, i) => log(`trial ${i + 1}/${trials}: ${Object.entries(t.params).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toPrecision(3) : v}`).join(', ')} → ${t.score.toFixed(4)}`),
  });
  log('');
  log(result.table());
  const best = result.best.params;
  log('');
  log(`best: ${Object.entries(best).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toPrecision(3) : v}`).join(', ')} (held-out ${scored} ${result.best.score.toFixed(4)})`);
  log(`train it: kiln train ${source} --lr ${Number(best.lr).toPrecision(3)}${best.hidden === undefined ? '' : ` --hidden ${best.hidden}`}`);
}
