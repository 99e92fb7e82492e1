import { reset, showPlaying, showSettings, wireControls } from './controls.js';
import { inked, padPixels, showDigitsView, showProbs, showSample } from './digits-panel.js';
import { $, fmt, message } from './dom.js';
import { setInputNames } from './network-view.js';
import { loadWarnings, page } from './page-state.js';
import type { FromWorker } from './protocol.js';
import { drawLoop, queueSnapshot } from './views.js';
import { digitsWorker, sendDigits, worker } from './workers.js';
import './style.css';

// The page: the controls (controls.ts) edit the settings, kept in the URL; the workers' messages
// fill the views (views.ts, network-view.ts, explain-panel.ts, digits-panel.ts). Kiln itself runs
// in two workers (workers.ts): the network's on the CPU, the digits' on WebGPU where there is one.

function onWorkerMessage(e: MessageEvent<FromWorker>): void {
  const m = e.data;
  switch (m.type) {
    case 'ready':
      setInputNames(m.info.inputNames);
      // With no hold-out (the course's beans), the "test" curves measure the training set itself.
      {
        const targets = m.info.classes === 0 ? 'real targets (regression)' : `${m.info.classes} classes`;
        $('data-info').textContent = page.settings.testFraction > 0
          ? `${m.info.train} training and ${m.info.test} test examples, ${targets}`
          : `${m.info.train} training examples, no test set (the test figures are the training set's), ${targets}`;
      }
      $('activation').innerHTML = m.activation;
      $('backend').textContent = `Kiln ${m.backend}`;
      queueSnapshot(m.snapshot, m.compare);
      return;
    case 'snapshot':
      queueSnapshot(m.snapshot, m.compare);
      if (!m.playing && page.playing) { page.playing = false; showPlaying(); }
      return;
    case 'error':
      if (m.during === 'play') { page.playing = false; showPlaying(); }
      message(`${m.during === 'reset' ? 'Cannot use these settings: ' : ''}${m.message}`);
      return;
    case 'exported': {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      a.download = m.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      return;
    }
    case 'imported':
      message(`Loaded the model file into the ${m.target === 'digits' ? 'digits model' : 'network'}.`, 'info');
      return;
    case 'digits-ready':
      $('digits-status').textContent = `${m.train} training and ${m.test} test digits loaded; ${page.settings.digitModel} ready`;
      $('data-info').textContent = `${m.train.toLocaleString('en-US')} training and ${m.test.toLocaleString('en-US')} test digits (a fixed split), 10 classes`;
      $('digits-status').dataset.ready = '1';
      showDigitsView(m.view);
      return;
    case 'digits-progress':
      $('digits-status').textContent = `epoch ${m.epoch}: batch ${m.batch} of ${m.batches}, loss ${fmt(m.loss)}`;
      ($('digits-bar') as HTMLProgressElement).value = m.batch / m.batches;
      return;
    case 'digits-backend':
      $('digits-backend').textContent = `Runs on ${m.backend}${m.fallback ? ` (no WebGPU here: ${m.fallback})` : ''}`;
      $('digits-backend').dataset.backend = m.backend.split(':')[0];
      return;
    case 'digits-epoch':
      showDigitsView(m.view);
      if (!m.training) $('digits-status').textContent = `trained: ${m.view.epoch} epoch${m.view.epoch === 1 ? '' : 's'}`;
      if (inked) sendDigits({ type: 'digits-predict', pixels: padPixels() });
      return;
    case 'digits-probs':
      showProbs(m.probs);
      return;
    case 'digits-sample':
      showSample(m.pixels, m.label, m.index);
      return;
  }
}
worker.onmessage = onWorkerMessage;
digitsWorker.onmessage = onWorkerMessage;
worker.onerror = (e) => message(`The training worker failed: ${e.message}`);
digitsWorker.onerror = (e) => message(`The digits worker failed: ${e.message}`);

showSettings();
wireControls();
drawLoop();
if (loadWarnings.length > 0) message(loadWarnings.join('\n'));
reset();
