export { lineChart, curvePlot, boundaryPlot, PALETTE } from './svg.js';
export type { Series, Grid } from './svg.js';
export { fittedCurveSvg, decisionBoundarySvg } from './model-plots.js';
