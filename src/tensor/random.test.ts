import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { Generator } from './random.js';

describe('Generator.advance', () => {
  it('lands where that many draws would, for short and long jumps', () => {
    for (const words of [0, 1, 2, 3, 31, 32, 33, 1000, 12345]) {
      const drawn = new Generator(99);
      for (let i = 0; i < words; i++) drawn.nextUint32();
      const jumped = new Generator(99);
      jumped.advance(words);
      expect(jumped.nextUint32(), `after ${words} words`).toBe(drawn.nextUint32());
      expect(jumped.getState().s.map((v) => v >>> 0)).toEqual(drawn.getState().s.map((v) => v >>> 0));
    }
  });

  it('composes: a jump of a + b is a jump of a then b, far past what can be drawn', () => {
    const a = 2 ** 40 + 12345, b = 2 ** 33 + 7;
    const once = new Generator(5);
    once.advance(a + b);
    const twice = new Generator(5);
    twice.advance(a);
    twice.advance(b);
    expect(once.getState()).toEqual(twice.getState());
    expect(once.nextUint32()).not.toBe(new Generator(5).nextUint32());
  });

  it('refuses a count that is not a non-negative integer', () => {
    expect(() => new Generator().advance(-1)).toThrow(ValueError);
    expect(() => new Generator().advance(1.5)).toThrow(/non-negative integer below 2\^53, got 1.5/);
  });
});
