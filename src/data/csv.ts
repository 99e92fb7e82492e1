import Papa from 'papaparse';
import { FormatError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from '../train/dataset.js';
import { readSource } from '../io/source.js';
import type { ByteSource } from '../io/source.js';
import { checkOneOf, checkOptions } from '../validate.js';

export interface CsvOptions {
  /** The name of the label column, from the header. */
  label: string;
  /**
   * How to read labels: `'binary'` (0/1 → float32 [n, 1]), `'classes'` (int32 indices [n]; text
   * labels are numbered in order of first appearance) or `'regression'` (float32 [n, 1]).
   * By default: binary when every label is 0 or 1, classes when labels are text or integers with
   * more than two values, regression otherwise.
   */
  labelKind?: 'binary' | 'classes' | 'regression';
}

export interface CsvDataset extends TensorDataset {
  /** The feature columns' names, in order. */
  readonly featureNames: string[];
  /** For text class labels: the name of each class index. */
  readonly classNames: string[] | null;
}

/**
 * Reads a data set from CSV text with a header row. Every column but the label is a numeric
 * feature. Ragged rows, non-numbers and empty cells are reported with their row and column.
 * @example kiln.data.parseCsv('x1,x2,label\n0.1,0.2,1\n0.5,-0.3,0\n', { label: 'label' })
 */
export function parseCsv(text: string, options: CsvOptions): CsvDataset {
  checkOptions('CSV', options, ['label', 'labelKind']);
  // Papa Parse: RFC 4180 quoting, on every platform. Rows are counted after blank lines are skipped.
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { delimiter: ',', skipEmptyLines: true, transform: (cell) => cell.trim() });
  const error = parsed.errors[0];
  if (error) throw new FormatError(`CSV: cannot parse the file${error.row === undefined ? '' : ` at row ${error.row + 1}`}: ${error.message}`);
  const rows = parsed.data;
  if (rows.length === 0) throw new FormatError('CSV: the file is empty; it needs a header row and at least one data row');
  const header = rows[0]!;
  if (new Set(header).size !== header.length) throw new FormatError(`CSV: the header repeats a column name: ${header.join(', ')}`);
  const labelCol = header.indexOf(options.label);
  if (labelCol < 0) throw new FormatError(`CSV: no column named "${options.label}" for the label; the header has ${header.join(', ')}`);
  if (header.length < 2) throw new FormatError('CSV: need at least one feature column besides the label');
  const data = rows.slice(1);
  if (data.length === 0) throw new FormatError('CSV: the file has a header but no data rows');

  const nFeatures = header.length - 1;
  const x = new Float32Array(data.length * nFeatures);
  const labels: string[] = [];
  data.forEach((row, r) => {
    const line = r + 2; // 1-based, after the header
    if (row.length !== header.length) {
      throw new FormatError(`CSV: row ${line} has ${row.length} fields but the header has ${header.length} (${header.join(', ')})`);
    }
    let f = 0;
    row.forEach((cell, c) => {
      if (c === labelCol) { labels.push(cell); return; }
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        throw new FormatError(`CSV: row ${line}, column "${header[c]}": ${cell === '' ? 'the cell is empty' : `"${cell}" is not a number`}; features must be numeric`);
      }
      x[r * nFeatures + f++] = v;
    });
  });

  const numeric = labels.map((l) => (l === '' ? NaN : Number(l)));
  const allNumeric = numeric.every(Number.isFinite);
  const kind = options.labelKind
    ? checkOneOf('CSV', 'labelKind', options.labelKind, ['binary', 'classes', 'regression'])
    : !allNumeric ? 'classes'
    : numeric.every((v) => v === 0 || v === 1) ? 'binary'
    : numeric.every((v) => Number.isInteger(v) && v >= 0) ? 'classes' : 'regression';

  let y: Tensor;
  let classNames: string[] | null = null;
  if (kind === 'classes' && !allNumeric) {
    classNames = [...new Set(labels)];
    if (labels.includes('')) throw new FormatError(`CSV: row ${labels.indexOf('') + 2} has an empty label`);
    y = new Tensor(Int32Array.from(labels, (l) => classNames!.indexOf(l)), [labels.length]);
  } else {
    const bad = numeric.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new FormatError(`CSV: row ${bad + 2}, label "${options.label}": "${labels[bad]}" is not a number (labelKind ${kind} needs numbers)`);
    if (kind === 'binary' && numeric.some((v) => v !== 0 && v !== 1)) {
      throw new ValueError(`CSV: labelKind binary needs labels 0 or 1, got ${numeric.find((v) => v !== 0 && v !== 1)}`);
    }
    if (kind === 'classes') {
      const badClass = numeric.find((v) => !Number.isInteger(v) || v < 0);
      if (badClass !== undefined) throw new ValueError(`CSV: labelKind classes needs integer labels ≥ 0, got ${badClass}`);
      y = new Tensor(Int32Array.from(numeric), [labels.length]);
    } else {
      y = new Tensor(Float32Array.from(numeric), [labels.length, 1]);
    }
  }
  const ds = new TensorDataset(new Tensor(x, [data.length, nFeatures]), y) as CsvDataset;
  return Object.assign(ds, { featureNames: header.filter((_, c) => c !== labelCol), classNames });
}

/**
 * Reads a CSV data set from a `File` (an upload or a drop), a Blob, bytes, a Response or a URL; see
 * `parseCsv`. (`kiln-ml/node`'s `readCsv` also takes a file path.)
 * @example input.onchange = async () => { const ds = await kiln.data.readCsv(input.files![0]!, { label: 'y' }); };
 */
export async function readCsv(source: ByteSource, options: CsvOptions): Promise<CsvDataset> {
  return parseCsv(new TextDecoder().decode(await readSource(source, 'CSV')), options);
}
