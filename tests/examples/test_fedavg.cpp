// fedavg_mnist and its pieces (examples/common/federated.h): the server's average weighted by
// example counts, exactly, on two hand-made clients; the IID and non-IID splits; a 3-round run
// on a written MNIST folder, stopping at the target, and its flag errors.
#include <algorithm>
#include <set>

#include "common/federated.h"
#include "programs.h"
#include "small_datasets.h"

using namespace descent;
namespace federated = examples::federated;

TEST_CASE("fedavg: the server's model is the clients' average weighted by their example counts, exactly") {
  // Client a: 100 examples, weights all 1 and [2, 3]; client b: 300 examples, all 4 and [-2, 7].
  // (100·1 + 300·4) / 400 = 3.25, (100·2 − 300·2) / 400 = −1, (100·3 + 300·7) / 400 = 6.
  std::vector<Tensor> server = {zeros({2, 3}), zeros({2})};
  federated::WeightedAverage average(server);
  average.add({full({2, 3}, 1.0), tensor({2, 3})}, 100);
  average.add({full({2, 3}, 4.0), tensor({-2, 7})}, 300);
  REQUIRE(average.total() == 400);
  average.average_into(server);
  REQUIRE(server[0].to_vector<float>() == std::vector<float>(6, 3.25f));
  REQUIRE(server[1].to_vector<float>() == std::vector<float>{-1.0f, 6.0f});
  // A new round starts from nothing; one client alone is its own average.
  average.clear();
  average.add({full({2, 3}, 0.5), tensor({1, 1})}, 7);
  average.average_into(server);
  REQUIRE(server[0].to_vector<float>() == std::vector<float>(6, 0.5f));
  average.clear();
  REQUIRE_THROWS_WITH(average.average_into(server), "WeightedAverage: no examples were added");
}

TEST_CASE("fedavg: IID clients get equal random parts, non-IID clients two label-sorted shards each") {
  const auto iid = federated::split_iid(1000, 10, 3);
  std::set<int64_t> seen;
  for (const auto& part : iid) {
    REQUIRE(part.size() == 100);
    seen.insert(part.begin(), part.end());
  }
  REQUIRE(seen.size() == 1000);
  REQUIRE(!std::is_sorted(iid[0].begin(), iid[0].end()));  // random, not blocks
  // Labels 0..9, 100 of each, interleaved: sorted by label, 20 shards of 50 are single-label.
  std::vector<int64_t> labels(1000);
  for (int64_t i = 0; i < 1000; ++i) labels[size_t(i)] = i % 10;
  const auto shards = federated::split_shards(labels, 10, 2, 3);
  seen.clear();
  int two_digit_clients = 0;
  for (const auto& part : shards) {
    REQUIRE(part.size() == 100);
    seen.insert(part.begin(), part.end());
    std::set<int64_t> digits;
    for (int64_t i : part) digits.insert(labels[size_t(i)]);
    REQUIRE(digits.size() <= 2);
    two_digit_clients += digits.size() == 2;
    // each shard is 50 examples of one digit
    REQUIRE(labels[size_t(part[0])] == labels[size_t(part[49])]);
    REQUIRE(labels[size_t(part[50])] == labels[size_t(part[99])]);
  }
  REQUIRE(seen.size() == 1000);
  REQUIRE(two_digit_clients >= 5);
  REQUIRE(federated::split_shards(labels, 10, 2, 4) != shards);  // the seed deals the shards
}

TEST_CASE("fedavg_mnist: 3 rounds (IID and non-IID), the CSV, the final line, the target stops it early") {
  const std::string dir = test::scratch("fedavg_mnist");
  test::write_mnist_folder(dir, 200, 50);
  const std::string common = "--data " + dir + " --clients 10 --fraction 0.3 --local-epochs 1 --local-batch 10 --lr 0.05";
  for (const char* split : {"iid", "noniid"}) {
    const std::string csv = test::scratch(std::string("fedavg_") + split + ".csv");
    test::Outcome o = test::run_example("fedavg_mnist", common + " --rounds 3 --split " + split + " --metrics " + csv);
    INFO(o.out << o.err);
    REQUIRE(o.status == 0);
    REQUIRE(o.out_lines().back().rfind("final rounds=3 test_accuracy=", 0) == 0);
    const auto rows = test::Outcome::lines(test::slurp(csv));
    REQUIRE(rows.size() == 4);
    REQUIRE(rows[0] == "round,train_loss,test_loss,test_accuracy,seconds");
    REQUIRE(o.out.find("3 per round") != std::string::npos);
  }
  // The picture: this run's curve, then one drawn only from the two CSVs above.
  const std::string png = test::scratch("fedavg.png"), replot = test::scratch("fedavg_replot.png");
  const std::string csvs = test::scratch("fedavg_iid.csv") + "," + test::scratch("fedavg_noniid.csv");
  REQUIRE(test::run_example("fedavg_mnist", common + " --rounds 2 --plot " + png + " --plot-with " + csvs).status == 0);
  test::Outcome drawn = test::run_example("fedavg_mnist", "--replot --plot " + replot + " --plot-with " + csvs);
  INFO(drawn.out << drawn.err);
  REQUIRE(drawn.status == 0);
  for (const std::string& file : {png, replot}) REQUIRE(test::slurp(file).rfind("\x89PNG", 0) == 0);
  test::require_usage_error(test::run_example("fedavg_mnist", "--replot --plot " + replot), "fedavg_mnist",
                            "--replot needs --plot FILE.png and --plot-with FILES");
  test::Outcome early = test::run_example("fedavg_mnist", common + " --rounds 50 --target-accuracy 0.01");
  REQUIRE(early.status == 0);
  REQUIRE(early.out_lines().back().rfind("final rounds=1 test_accuracy=", 0) == 0);
  // FedSGD (B = all) and FedProx run too.
  test::Outcome fedsgd = test::run_example("fedavg_mnist", "--data " + dir + " --clients 10 --fraction 0.2 --local-batch all --rounds 2 --mu 0.1");
  INFO(fedsgd.out << fedsgd.err);
  REQUIRE(fedsgd.status == 0);
  REQUIRE(fedsgd.out.find("B = all") != std::string::npos);
  REQUIRE(fedsgd.out.find("FedProx mu") != std::string::npos);
  // A learning rate far too large: the first round's model is not finite, and the run stops there.
  test::Outcome diverged = test::run_example("fedavg_mnist", "--data " + dir + " --clients 10 --fraction 0.3 --rounds 5 --lr 1e30");
  INFO(diverged.out << diverged.err);
  REQUIRE(diverged.status == 0);
  REQUIRE(diverged.out.find("the model diverged (test loss ") != std::string::npos);
  REQUIRE(diverged.out_lines().back().rfind("final rounds=1 test_accuracy=", 0) == 0);
}

TEST_CASE("fedavg_mnist: bad flags are one line and status 2") {
  test::require_usage_error(test::run_example("fedavg_mnist", "--fraction 1.5"), "fedavg_mnist",
                            "bad value '1.5' for --fraction");
  test::require_usage_error(test::run_example("fedavg_mnist", "--split sorted"), "fedavg_mnist",
                            "bad value 'sorted' for --split (expected iid|noniid)");
  test::require_usage_error(test::run_example("fedavg_mnist", "--epochs 3"), "fedavg_mnist",
                            "--epochs does not apply to fedavg_mnist");
  test::require_usage_error(test::run_example("fedavg_mnist", "--clients 2.5"), "fedavg_mnist",
                            "bad value '2.5' for --clients (expected an integer)");
}
