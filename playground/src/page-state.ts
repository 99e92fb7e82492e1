import { fromQuery } from './state.js';
import type { Settings } from './state.js';

// What the page holds between events: the settings (as the URL has them), the CSV chosen, and
// whether the network is playing. One object, so every module reads the same.

const loaded = fromQuery(location.search);

export const page: { settings: Settings; csvText: string | undefined; playing: boolean } = {
  settings: loaded.settings,
  csvText: undefined,
  playing: false,
};

/** What the URL's settings could not use, said when the page opens. */
export const loadWarnings: readonly string[] = loaded.warnings;
