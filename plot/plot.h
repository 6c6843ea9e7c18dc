#pragma once
// descent::plot: pictures of training (PNG through stb, GIF through giflib). LineChart for curves
// (loss, accuracy, learning rate; log scales), ContourPlot for a 2-D function with optimizer
// paths over it, Figure for several of them side by side, all saved as PNG; and animated GIFs of
// the paths growing step by step (plot/animation.h). Start at
// plot/line_chart.h; the drawing underneath is plot/canvas.h. docs/plotting.md has examples.
#include "plot/animation.h"
#include "plot/axes.h"
#include "plot/canvas.h"
#include "plot/color.h"
#include "plot/contour.h"
#include "plot/figure.h"
#include "plot/gif.h"
#include "plot/line_chart.h"
#include "plot/ticks.h"
