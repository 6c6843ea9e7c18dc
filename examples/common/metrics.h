#pragma once
// Per-epoch metrics: kept in memory (so a checkpoint can carry them and a resumed run writes
// the same file) and written as CSV with the contract's header
//   epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds
// (accuracies are fractions; empty for regression). The file is rewritten after each epoch
// through a temporary file and a rename, so it is never half-written.
#include <optional>
#include <string>
#include <vector>

#include <descent/descent.h>

namespace examples {

struct EpochMetrics {
  int epoch = 0;
  double train_loss = 0;
  std::optional<double> train_accuracy;
  double test_loss = 0;
  std::optional<double> test_accuracy;
  double lr = 0;
  double seconds = 0;
};

class MetricsLog {
 public:
  void add(const EpochMetrics& m) { rows_.push_back(m); }
  const std::vector<EpochMetrics>& rows() const { return rows_; }
  void write_csv(const std::string& path) const;

  void save(descent::serialize::OutputArchive& archive, const std::string& prefix = "") const;
  void load(const descent::serialize::InputArchive& archive, const std::string& prefix = "");

 private:
  std::vector<EpochMetrics> rows_;
};

// The contract's last line on stdout: "final test_loss=<x> test_accuracy=<y>".
void print_final_line(double test_loss, std::optional<double> test_accuracy);

}  // namespace examples
