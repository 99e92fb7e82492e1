export { lineChart, curvePlot, boundaryPlot, PALETTE, PLOT_AREA } from './svg.js';
export { boundaryRaster, divergingColour } from './raster.js';
export { networkDiagram } from './network.js';
export type { NetworkDiagram, DiagramNode } from './network.js';
export type { Series, Grid } from './svg.js';
export { fittedCurveSvg, decisionBoundarySvg } from './model-plots.js';
