// Metrics log and CSV (see metrics.h).
#include "common/metrics.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

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
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw std::runtime_error("metrics: cannot write " + tmp);
    out << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds\n";
    for (const auto& r : rows_)
      out << r.epoch << ',' << fmt(r.train_loss) << ',' << fmt(r.train_accuracy) << ',' << fmt(r.test_loss) << ','
          << fmt(r.test_accuracy) << ',' << fmt(r.lr) << ',' << fmt(r.seconds) << '\n';
    if (!out) throw std::runtime_error("metrics: write to " + tmp + " failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("metrics: cannot rename " + tmp + " to " + path);
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

void print_final_line(double test_loss, std::optional<double> test_accuracy) {
  std::printf("final test_loss=%.6g test_accuracy=%s\n", test_loss, test_accuracy ? fmt(*test_accuracy).c_str() : "");
  std::fflush(stdout);
}

}  // namespace examples
