#pragma once
// Per-epoch metrics: kept in memory (so a checkpoint can carry them and a resumed run writes
// the same file) and written as CSV with the contract's header
//   epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds
// (accuracies are fractions; empty for regression). The file is rewritten after each epoch
// through a temporary file and a rename (tensor/file_io.h), so it is never half-written. Also here: the line
// printed per epoch, the picture of the log (--plot) and the contract's final line.
// Read next: common/training.h (Run, which calls all of these between epochs).
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

// One line on stdout per epoch: "epoch 2/5  train_loss 0.31 ...  lr 0.05  12.4 s".
void print_epoch_line(const EpochMetrics& m, int epochs);

// A picture of the log (PNG): train/test loss, train/test accuracy (classification only) and the
// learning rate, by epoch, side by side. Rewritten after every epoch.
void plot_metrics(const MetricsLog& log, const std::string& path, const std::string& title);

// The contract's last line on stdout: "final test_loss=<x> test_accuracy=<y>".
void print_final_line(double test_loss, std::optional<double> test_accuracy);

}  // namespace examples
