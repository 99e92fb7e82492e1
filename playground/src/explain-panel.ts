import { $, fmt } from './dom.js';
import type { Snapshot } from './trainer.js';

// The course's readings of the network on screen: the explain panel's equations with their numbers,
// and the bias/variance diagnosis in words.

/** A vector or matrix as a bracketed table of numbers (at most 6×6 shown). */
function matrix(m: number[][] | number[], column = false): string {
  const rows = (Array.isArray(m[0]) ? m : column ? (m as number[]).map((v) => [v]) : [m]) as number[][];
  const cut = <T>(a: T[]): T[] => a.slice(0, 6);
  const body = cut(rows).map((r) => `<tr>${cut(r).map((v) => `<td>${fmt(v)}</td>`).join('')}${r.length > 6 ? '<td>…</td>' : ''}</tr>`).join('') + (rows.length > 6 ? '<tr><td>⋮</td></tr>' : '');
  return `<table class="matrix">${body}</table>`;
}

/** The course's reading of train against test error, in words (classification with a test set only). */
export function showBiasVariance(s: Snapshot): void {
  const el = $('bias-variance');
  const bv = s.biasVariance;
  if (!bv) { el.textContent = ''; return; }
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  el.textContent = `Bias/variance: train error ${pct(bv.trainError)}, test error ${pct(bv.devError)}: ${bv.diagnosis}; ${bv.advice}.`;
  el.dataset.diagnosis = bv.diagnosis;
}

// MathML for the course's symbols: a letter with its layer as a superscript, Z⁽¹⁾ written Z^[1].
const mi = (t: string): string => `<mi>${t}</mi>`;
/** An operator; brackets keep their size (stretched ones dwarf the symbols inside). */
const mo = (t: string): string => `<mo${'()[]'.includes(t) ? ' stretchy="false"' : ''}>${t}</mo>`;
const layerSym = (name: string, l: number | string): string => `<msup>${mi(name)}<mrow>${mo('[')}<mn>${l}</mn>${mo(']')}</mrow></msup>`;
const dSym = (name: string, l: number | string): string => `<mrow>${mi('d')}${layerSym(name, l)}</mrow>`;
const transpose = (m: string): string => `<msup>${m}${mi('T')}</msup>`;
const overM = `<mfrac><mn>1</mn>${mi('m')}</mfrac>`;
const gPrime = (l: number | string, act: string): string => `<msup><msup>${mi('g')}<mrow>${mo('[')}<mn>${l}</mn>${mo(']')}</mrow></msup>${mo('′')}</msup>${mo('(')}${layerSym('Z', l)}${mo(')')}<mtext>&nbsp;(${act}′)</mtext>`;
const math = (body: string): string => `<math display="block">${body}</math>`;

/**
 * The explain panel: for each layer, the course's equation typeset in MathML, then its numbers for
 * the example or the mini-batch chosen, with the examples as columns as the course stacks them.
 */
export function showExplain(s: Snapshot): void {
  const e = s.explain;
  const L = e.layers.length;
  const prevA = (l: number): string => (l === 1 ? mi('X') : layerSym('A', l - 1));
  const eq = (tex: string, ...values: string[]): string => `<div class="eq">${math(tex)}${values.length ? `<div class="values">= ${values.join(' ')}</div>` : ''}</div>`;
  const forward = e.layers.map((layer, i) => {
    const l = i + 1;
    return eq(`${layerSym('Z', l)}${mo('=')}${layerSym('W', l)}${prevA(l)}${mo('+')}${layerSym('b', l)}`,
      matrix(layer.W), '·', matrix(i === 0 ? e.X : e.layers[i - 1]!.A), '+', matrix(layer.b, true), '=', matrix(layer.Z))
      + eq(`${layerSym('A', l)}${mo('=')}<msup>${mi('g')}<mrow>${mo('[')}<mn>${l}</mn>${mo(']')}</mrow></msup>${mo('(')}${layerSym('Z', l)}${mo(')')}<mtext>&nbsp;(${layer.activation})</mtext>`, matrix(layer.A));
  });
  const backward = e.layers.map((layer, i) => {
    const l = i + 1;
    const dz = l === L
      ? e.lossForm === 'crossEntropy'
        ? `${dSym('Z', L)}${mo('=')}${layerSym('A', L)}${mo('−')}${mi('Y')}`
        : `${dSym('Z', L)}${mo('=')}<mn>2</mn>${mo('(')}${layerSym('A', L)}${mo('−')}${mi('Y')}${mo(')')}${mo('∗')}${gPrime(L, layer.activation)}`
      : `${dSym('Z', l)}${mo('=')}${transpose(layerSym('W', l + 1))}${dSym('Z', l + 1)}${mo('∗')}${gPrime(l, layer.activation)}`;
    return eq(dz, matrix(layer.dZ))
      + eq(`${dSym('W', l)}${mo('=')}${overM}${dSym('Z', l)}${transpose(prevA(l))}`, matrix(layer.dW))
      + eq(`${dSym('b', l)}${mo('=')}${overM}<munder>${mo('∑')}<mtext>examples</mtext></munder>${dSym('Z', l)}`, matrix(layer.db, true));
  }).reverse();
  const which = e.of === 'batch' ? `the first mini-batch, m = ${e.m} examples as the columns of X` : `training example ${Number(e.of) + 1} (m = 1)`;
  $('explain').innerHTML = `<p>The course's equations for the network on screen, each followed by its numbers for ${which}, after epoch ${s.epoch}.</p>
<div class="values">X = ${matrix(e.X)} &nbsp; Y = ${matrix(e.Y)} &nbsp; cost J = ${fmt(e.cost)}</div>
<h4>Forward</h4>${forward.join('')}
<h4>Backward</h4>${backward.join('')}`;
}
