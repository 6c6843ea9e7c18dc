// plot_runs (see runs_plot.h).
#include "common/runs_plot.h"

#include <algorithm>
#include <cmath>

namespace examples {

void plot_runs(const std::vector<std::pair<std::string, MetricsLog>>& runs, const std::string& path,
               const std::string& title) {
  namespace plot = descent::plot;
  const bool accuracy = !runs.empty() && !runs.front().second.rows().empty() &&
                        runs.front().second.rows().front().test_accuracy.has_value();
  plot::LineChart loss, acc, lr;
  loss.title("loss (solid: train, dashed: test)").x_label("epoch").y_label("loss").log_y();
  acc.title("accuracy (solid: train, dashed: test)").x_label("epoch").y_label("accuracy");
  lr.title("learning rate").x_label("epoch").y_label("lr");
  double lr_min = INFINITY, lr_max = 0;
  for (size_t k = 0; k < runs.size(); ++k) {
    std::vector<double> epoch, train_loss, test_loss, train_acc, test_acc, rate;
    for (const auto& r : runs[k].second.rows()) {
      epoch.push_back(r.epoch);
      train_loss.push_back(r.train_loss);
      test_loss.push_back(r.test_loss);
      train_acc.push_back(r.train_accuracy.value_or(NAN));
      test_acc.push_back(r.test_accuracy.value_or(NAN));
      rate.push_back(r.lr);
      if (r.lr > 0) lr_min = std::min(lr_min, r.lr), lr_max = std::max(lr_max, r.lr);
    }
    // A run keeps one colour in every panel; its test curve is the same colour, dashed.
    const std::string& name = runs[k].first;
    const plot::SeriesStyle solid = plot::SeriesStyle().color(plot::series_color(k));
    const plot::SeriesStyle dashed = plot::SeriesStyle(solid).dash(8);
    loss.add(name + " train", epoch, train_loss, solid).add(name + " test", epoch, test_loss, dashed);
    acc.add(name + " train", epoch, train_acc, solid).add(name + " test", epoch, test_acc, dashed);
    lr.add(name, epoch, rate, solid);
  }
  if (lr_max >= 10 * lr_min) lr.log_y();  // a decaying schedule: every decade gets its room
  plot::Figure figure(1, accuracy ? 3 : 2, 640, 480);
  figure.title(title);
  figure.add(loss);
  if (accuracy) figure.add(acc);
  figure.add(lr);
  figure.save_png(path);
}

}  // namespace examples
