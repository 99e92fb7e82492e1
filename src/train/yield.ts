import { ValueError } from '../errors.js';

// Long loops (fit, evaluate, predict) hand the thread back to the event loop now and then, so that
// a page keeps drawing and responding while it trains on its main thread, and Node.js keeps its
// timers and I/O going. The clock is cheap (performance.now per batch); the yield itself is a
// task boundary, not a timer, so it costs microseconds, not the 4 ms of a nested setTimeout.

/**
 * When a loop yields: `'auto'` (whenever 10 ms have passed since the last yield, so a 60 Hz page
 * keeps drawing), `'batch'` (after every batch), `'epoch'` (after every epoch), `'never'`, or a
 * number of milliseconds.
 */
export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

/** The time budget of `'auto'`: leaves more than a third of a 60 Hz frame (16.7 ms) to the page. */
export const AUTO_YIELD_MS = 10;

/**
 * One turn of the event loop: setImmediate in Node.js; a MessageChannel message in browsers, which
 * lets a due frame render first (scheduler.yield does not: its continuation outranks rendering, and
 * a page that yielded with it every 10 ms drew 9 frames a second in Chromium against 61).
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Decides, batch by batch and epoch by epoch, when a loop yields. */
export class Yielder {
  private readonly budgetMs: number;
  private readonly perEpoch: boolean;
  private last = performance.now();

  constructor(every: YieldEvery | undefined, op: string) {
    const e = every ?? 'auto';
    this.perEpoch = e === 'epoch';
    if (typeof e === 'number') {
      if (!(e >= 0)) throw new ValueError(`${op}: yieldEvery must be a number of milliseconds ≥ 0 or 'auto', 'batch', 'epoch' or 'never', got ${e}`);
      this.budgetMs = e;
    } else if (e === 'auto' || e === 'batch' || e === 'epoch' || e === 'never') {
      this.budgetMs = e === 'auto' ? AUTO_YIELD_MS : e === 'batch' ? 0 : Infinity;
    } else {
      throw new ValueError(`${op}: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds, got ${JSON.stringify(e)}`);
    }
  }

  /**
   * Whether the budget is spent after a batch. A check, not an await: the loop awaits `yieldNow()`
   * only when this is true, so the hundreds of thousands of batches that do not yield cost no
   * promise (an await per batch slowed the beans demo's 500,000 tiny steps by ~10%).
   */
  due(): boolean {
    return this.budgetMs !== Infinity && performance.now() - this.last >= this.budgetMs;
  }

  /** After an epoch: yields when asked to per epoch (the batches took care of the budget). */
  async afterEpoch(): Promise<void> {
    if (this.perEpoch) await this.yieldNow();
  }

  /** Hands the thread to the event loop now. */
  async yieldNow(): Promise<void> {
    await yieldToEventLoop();
    this.last = performance.now();
  }
}
