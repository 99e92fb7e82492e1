import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import * as kiln from '../index.js';
import { FormatError } from '../index.js';
import * as kilnNode from '../node/index.js';

const { data } = kiln;

describe('beans', () => {
  it('follows the course\'s rule: toxic where 0.8 < 0.7x + 0.5 (± 0.01) < 1.4', () => {
    const b = data.beans({ n: 500, seed: 3 });
    expect(b.x.shape).toEqual([500, 1]);
    expect(b.y.shape).toEqual([500, 1]);
    for (let i = 0; i < 500; i++) {
      const x = b.x.values[i]!;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(2);
      const v = 0.7 * x + 0.5;
      if (v > 0.81 && v < 1.39) expect(b.y.values[i]).toBe(1);
      if (v < 0.79 || v > 1.41) expect(b.y.values[i]).toBe(0);
    }
    expect(Array.from(data.beans({ seed: 3 }).x.values)).toEqual(Array.from(data.beans({ seed: 3 }).x.values));
    expect(Array.from(data.beans({ seed: 3 }).x.values)).not.toEqual(Array.from(data.beans({ seed: 4 }).x.values));
    // Sorted by size, as the course's generator returns them.
    const sizes = Array.from(b.x.values);
    expect(sizes).toEqual([...sizes].sort((p, q) => p - q));
  });
});

describe('planar sets', () => {
  it('give balanced 2-D binary sets, and int32 classes for blobs', () => {
    for (const name of ['flower', 'circles', 'moons', 'spirals', 'xor'] as const) {
      const ds = data.PLANAR[name]({ n: 200, seed: 1 });
      expect(ds.x.shape, name).toEqual([200, 2]);
      expect(ds.y.shape, name).toEqual([200, 1]);
      const ones = ds.y.sum().item();
      expect(ones, name).toBeGreaterThan(60);
      expect(ones, name).toBeLessThan(140);
    }
    const b = data.blobs({ n: 90, classes: 3 });
    expect(b.y.dtype).toBe('int32');
    expect(new Set(b.y.values)).toEqual(new Set([0, 1, 2]));
  });

  it('put the circles\' classes at their radii and the xor labels by sign', () => {
    const c = data.circles({ n: 100, noise: 0 });
    for (let i = 0; i < 100; i++) {
      const r = Math.hypot(c.x.values[2 * i]!, c.x.values[2 * i + 1]!);
      expect(r).toBeCloseTo(c.y.values[i] === 0 ? 1 : 0.5, 5);
    }
    const x = data.xor({ n: 100 });
    for (let i = 0; i < 100; i++) expect(x.y.values[i]).toBe(x.x.values[2 * i]! * x.x.values[2 * i + 1]! < 0 ? 1 : 0);
  });

  it('reject nonsense', () => {
    expect(() => data.flower({ n: 1 })).toThrow(kiln.ValueError);
    expect(() => data.moons({ noise: -1 })).toThrow('moons: noise must be ≥ 0, got -1');
  });
});

describe('regression sets', () => {
  it('give points in [−1, 1]² with real targets: a plane, and bumps of both signs', () => {
    const p = kiln.data.plane({ n: 500, noise: 0, seed: 3 });
    expect(p.x.shape).toEqual([500, 2]);
    expect(p.y.shape).toEqual([500, 1]);
    const [x, y] = [p.x.toArray() as number[][], p.y.toArray() as number[][]];
    x.forEach(([a, b], i) => expect(y[i]![0]).toBeCloseTo((a! + b!) / 2, 6));
    expect(Math.max(...x.flat().map(Math.abs))).toBeLessThanOrEqual(1);
    const g = kiln.data.gaussians({ n: 2000, seed: 1 });
    const ys = Array.from(g.y.values);
    expect(Math.max(...ys)).toBeGreaterThan(0.7);
    expect(Math.min(...ys)).toBeLessThan(-0.7);
    expect(Array.from(kiln.data.gaussians({ n: 5, seed: 1 }).y.values)).toEqual(ys.slice(0, 5));
    expect(() => kiln.data.plane({ n: 1 })).toThrow(kiln.ValueError);
  });
});

describe('CSV', () => {
  it('reads features and a label column chosen by name', () => {
    const ds = data.parseCsv('x1,label,x2\n0.5,1,2\n-1,0,3\n', { label: 'label' });
    expect(ds.x.toArray()).toEqual([[0.5, 2], [-1, 3]]);
    expect(ds.y.toArray()).toEqual([[1], [0]]);
    expect(ds.featureNames).toEqual(['x1', 'x2']);
  });

  it('reads class labels as int32, numbering text labels', () => {
    const ds = data.parseCsv('a,b,species\n1,2,setosa\n3,4,virginica\n5,6,setosa\n', { label: 'species' });
    expect(ds.y.dtype).toBe('int32');
    expect(ds.y.toArray()).toEqual([0, 1, 0]);
    expect(ds.classNames).toEqual(['setosa', 'virginica']);
    expect(data.parseCsv('a,y\n1,2\n2,0\n3,1\n', { label: 'y' }).y.toArray()).toEqual([2, 0, 1]);
    expect(data.parseCsv('a,y\n1,2.5\n2,0\n', { label: 'y' }).y.toArray()).toEqual([[2.5], [0]]);
  });

  it('reads a file by path in Node.js, and a File, Blob or bytes anywhere', async () => {
    const dir = tempDir('kiln-csv-');
    writeFileSync(join(dir, 'd.csv'), 'x,y\n1,0\n2,1\n');
    expect((await kilnNode.data.readCsv(join(dir, 'd.csv'), { label: 'y' })).length).toBe(2);
    await expect(kilnNode.data.readCsv(join(dir, 'missing.csv'), { label: 'y' })).rejects.toThrow(/CSV: cannot read .*missing.csv: ENOENT/);
    const file = new File(['x,y\n1,0\n2,1\n3,1\n'], 'upload.csv', { type: 'text/csv' });
    expect((await data.readCsv(file, { label: 'y' })).y.toArray()).toEqual([[0], [1], [1]]);
    expect((await data.readCsv(new TextEncoder().encode('x,y\n5,1\n'), { label: 'y' })).x.toArray()).toEqual([[5]]);
    // In the main entry a string is a URL, never a path: the message says where paths are read.
    await expect(data.readCsv('d.csv', { label: 'y' })).rejects.toThrow(/CSV: cannot fetch d.csv: .*import the same function from "kiln-ml\/node"/);
  });

  it('names the row and column of what is wrong', () => {
    const bad = (text: string, label = 'y'): (() => unknown) => () => data.parseCsv(text, { label });
    expect(bad('x,y\n1,0\n2,1,7\n')).toThrow('CSV: row 3 has 3 fields but the header has 2 (x, y)');
    expect(bad('x,y\n1,0\nabc,1\n')).toThrow('CSV: row 3, column "x": "abc" is not a number; features must be numeric');
    expect(bad('x,y\n,0\n')).toThrow(/row 2, column "x": the cell is empty/);
    expect(bad('x,y\n1,0\n', 'label')).toThrow('CSV: no column named "label" for the label; the header has x, y');
    expect(bad('')).toThrow(/empty/);
    expect(bad('x,y\n')).toThrow(/no data rows/);
    expect(bad('x,y\n1,"unterminated\n')).toThrow(FormatError);
    expect(bad('x,y\n1,0\n2,"unterminated\n3,1\n')).toThrow(/CSV: cannot parse the file at row 3: .*quote/i);
    expect(() => data.parseCsv('x,y\n1,2\n', { label: 'y', labelKind: 'binary' })).toThrow(/binary needs labels 0 or 1, got 2/);
  });
});
