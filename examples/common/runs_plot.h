#pragma once
// The --plot picture of a program that runs several variants side by side (linear_regression's
// batch, sgd and minibatch): the same panels as plot_metrics (common/metrics.h) with one colour
// per run — loss by epoch (train solid, test dashed), accuracy the same way when the runs are
// classifiers, and each run's learning rate (on a log axis when the rates span a decade or more).
#include <string>
#include <utility>
#include <vector>

#include "common/metrics.h"

namespace examples {

// `runs`: each run's name and its per-epoch log. Writes the PNG to `path`.
void plot_runs(const std::vector<std::pair<std::string, MetricsLog>>& runs, const std::string& path,
               const std::string& title);

}  // namespace examples
