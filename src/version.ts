/** Kiln's version, as package.json says (a test holds them equal): what exported files name as their producer. */
export const VERSION = '0.1.0';
