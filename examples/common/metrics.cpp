// Metrics log and CSV (see metrics.h).
#include "common/metrics.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include <descent/tensor/file_io.h>

namespace examples {
namespace {
std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
std::string fmt(const std::optional<double>& v) { return v ? fmt(*v) : ""; }
}  // namespace

void MetricsLog::write_csv(const std::string& path) const {
  std::ostringstream out;
  out << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds\n";
  for (const auto& r : rows_)
    out << r.epoch << ',' << fmt(r.train_loss) << ',' << fmt(r.train_accuracy) << ',' << fmt(r.test_loss) << ','
        << fmt(r.test_accuracy) << ',' << fmt(r.lr) << ',' << fmt(r.seconds) << '\n';
  descent::file_io::write_file_atomically(path, out.str(), "metrics: cannot write " + path + ": ");
}

// Stored as one [rows, 7] float64 tensor; NaN marks an empty accuracy.
void MetricsLog::save(descent::serialize::OutputArchive& archive, const std::string& prefix) const {
  std::vector<double> values;
  for (const auto& r : rows_) {
    values.insert(values.end(), {double(r.epoch), r.train_loss, r.train_accuracy.value_or(NAN), r.test_loss,
                                 r.test_accuracy.value_or(NAN), r.lr, r.seconds});
  }
  archive.write(prefix + "metrics", descent::tensor(values, {int64_t(rows_.size()), 7}, descent::kFloat64));
}

void MetricsLog::load(const descent::serialize::InputArchive& archive, const std::string& prefix) {
  descent::Tensor t = archive.read_tensor(prefix + "metrics");
  if (t.dim() != 2 || t.size(1) != 7) throw std::runtime_error("checkpoint " + archive.path() + ": bad metrics table");
  std::vector<double> v = t.to_vector<double>();
  rows_.clear();
  for (int64_t i = 0; i < t.size(0); ++i) {
    const double* r = v.data() + i * 7;
    EpochMetrics m;
    m.epoch = int(r[0]);
    m.train_loss = r[1];
    if (!std::isnan(r[2])) m.train_accuracy = r[2];
    m.test_loss = r[3];
    if (!std::isnan(r[4])) m.test_accuracy = r[4];
    m.lr = r[5];
    m.seconds = r[6];
    rows_.push_back(m);
  }
}

void print_epoch_line(const EpochMetrics& m, int epochs) {
  std::printf("epoch %d/%d  train_loss %.4f", m.epoch, epochs, m.train_loss);
  if (m.train_accuracy) std::printf("  train_accuracy %.4f", *m.train_accuracy);
  std::printf("  test_loss %.4f", m.test_loss);
  if (m.test_accuracy) std::printf("  test_accuracy %.4f", *m.test_accuracy);
  std::printf("  lr %.3g  %.1f s\n", m.lr, m.seconds);
  std::fflush(stdout);
}

void plot_metrics(const MetricsLog& log, const std::string& path, const std::string& title) {
  namespace plot = descent::plot;
  std::vector<double> epoch, train_loss, test_loss, train_acc, test_acc, lr;
  for (const auto& r : log.rows()) {
    epoch.push_back(r.epoch);
    train_loss.push_back(r.train_loss);
    test_loss.push_back(r.test_loss);
    train_acc.push_back(r.train_accuracy.value_or(NAN));  // NaN: no point (the chart skips it)
    test_acc.push_back(r.test_accuracy.value_or(NAN));
    lr.push_back(r.lr);
  }
  const bool accuracy = !log.rows().empty() && log.rows().front().test_accuracy.has_value();
  plot::Figure figure(1, accuracy ? 3 : 2, 640, 480);
  figure.title(title);
  figure.add(plot::LineChart().title("loss").x_label("epoch").y_label("loss").log_y()
                 .add("train", epoch, train_loss).add("test", epoch, test_loss, plot::SeriesStyle().dash(8)));
  if (accuracy)
    figure.add(plot::LineChart().title("accuracy").x_label("epoch").y_label("accuracy")
                   .add("train", epoch, train_acc).add("test", epoch, test_acc, plot::SeriesStyle().dash(8)));
  figure.add(plot::LineChart().title("learning rate").x_label("epoch").y_label("lr").legend(false).add("lr", epoch, lr));
  figure.save_png(path);
}

void print_final_line(double test_loss, std::optional<double> test_accuracy) {
  std::printf("final test_loss=%.6g test_accuracy=%s\n", test_loss, test_accuracy ? fmt(*test_accuracy).c_str() : "");
  std::fflush(stdout);
}

}  // namespace examples
