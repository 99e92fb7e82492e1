import { describe, expect, it } from 'vitest';
import { split } from './context.js';

describe('splitting a kernel call into runs for the threads', () => {
  it('covers every item once, starts each run on the alignment, and deals the units out evenly, longer runs first', () => {
    for (const [n, chunks, align] of [[512, 16, 3], [512, 16, 5], [256, 8, 5], [64, 12, 1], [70, 4, 12], [7, 16, 4], [1, 3, 1], [1000, 1, 8]] as const) {
      const runs = split(n, chunks, align);
      expect(runs.length).toBe(Math.min(chunks, Math.ceil(n / align)));
      let next = 0;
      for (const [start, count] of runs) {
        expect(start).toBe(next);
        expect(start % align).toBe(0);
        expect(count).toBeGreaterThan(0);
        next += count;
      }
      expect(next).toBe(n);
      // In whole units (the last run may hold a partial one), no run is longer than the one before, and all differ by at most one.
      const units = runs.map(([, count]) => Math.ceil(count / align));
      for (let i = 1; i < units.length; i++) expect(units[i]!).toBeLessThanOrEqual(units[i - 1]!);
      expect(Math.max(...units) - Math.min(...units)).toBeLessThanOrEqual(1);
    }
    // 512 rows on 16 runs of 3-row panels: 171 panels (the last of 2 rows), 11 runs of 11 panels and 5 of 10.
    expect(split(512, 16, 3).map(([, c]) => c)).toEqual([...Array(11).fill(33), 30, 30, 30, 30, 29]);
  });
});
