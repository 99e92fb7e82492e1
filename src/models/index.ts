export { lenet5 } from './lenet5.js';
export type { LeNet5Options } from './lenet5.js';
export { alexnet } from './alexnet.js';
export { vgg16 } from './vgg16.js';
export { summary, summaryRows } from './summary.js';
export type { SummaryRow } from './summary.js';
