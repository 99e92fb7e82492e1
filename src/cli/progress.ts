import cliProgress from 'cli-progress';
import type { Callback, Logs } from '../train/callbacks.js';

const fmt = (v: number | undefined): string => (v === undefined ? '–' : v < 1e-3 ? v.toExponential(2) : v.toFixed(4));

/**
 * A progress bar over epochs with the latest loss and accuracy (cli-progress). Off a terminal
 * (CI, pipes) it prints a plain line every couple of seconds instead of redrawing.
 */
export function progressBar(label: string, epochs: number, show: { accuracy: boolean; validation: boolean }): Callback & { bar: cliProgress.SingleBar } {
  const acc = (show.accuracy ? ' | acc {acc}' : '') + (show.validation ? ` | val loss {valLoss}${show.accuracy ? ' | val acc {valAcc}' : ''}` : '');
  const bar = new cliProgress.SingleBar({
    format: `${label} |{bar}| epoch {value}/{total} | loss {loss}${acc} | {eta_formatted} left`,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  const payload = (logs: Logs): Record<string, string> => ({ loss: fmt(logs.loss), acc: fmt(logs.accuracy), valLoss: fmt(logs.valLoss), valAcc: fmt(logs.valAccuracy) });
  return {
    bar,
    onTrainBegin: () => { bar.start(epochs, 0, payload({})); },
    onEpochEnd: (_epoch, logs) => { bar.increment(1, payload(logs)); },
    onTrainEnd: () => { bar.stop(); },
  };
}
