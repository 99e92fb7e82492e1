import { viz } from 'kiln-ml';

// Small helpers every part of the page uses: elements by id, the message line, numbers, heatmaps.

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

/** The line under the header: an error (red) or a note (blue); empty hides it. */
export function message(text: string, kind: 'error' | 'info' = 'error'): void {
  const box = $('message');
  box.textContent = text;
  box.className = text ? kind : '';
}

/** A number in a fixed width: 4 decimals, or exponent form for the very large and very small. */
export const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4));

/** A small heatmap: `values` row-major, `w`×`h`, drawn bottom row first so y grows upwards. */
export function heatmap(values: number[], w: number, h: number, scale: number, px = 4, flipY = true): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  c.style.width = `${w * px}px`; c.style.height = `${h * px}px`;
  const img = c.getContext('2d')!.createImageData(w, h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const [r, g, b] = viz.divergingColour(values[j * w + i]! / (scale || 1));
      const at = 4 * ((flipY ? h - 1 - j : j) * w + i);
      img.data.set([r, g, b, 255], at);
    }
  }
  c.getContext('2d')!.putImageData(img, 0, 0);
  return c;
}
