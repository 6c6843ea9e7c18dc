// char_gpt and maml_sinusoid end to end, kept to seconds: tiny models and a few iterations on a
// slice of Tiny Shakespeare (a text the test writes when the shared data is absent). They check
// that training runs and lowers the loss, that a checkpoint resumes exactly, that sampling prints
// the characters asked for, that MAML reports both MSEs in the contract's final line, and that
// bad input ends with one line on stderr and exit status 2. The full-length runs and their
// figures are in docs/sequence_models.md.
#include <regex>

#include "programs.h"

using test::Outcome;
using test::require_usage_error;
using test::run_example;
using test::scratch;

namespace {

// The first 30,000 characters of Tiny Shakespeare, or a text of the same flavour when the shared
// data folder is absent (the tests then still run, on something else to learn).
std::string text_slice() {
  static const std::string path = [] {
    const std::string p = scratch("shakespeare_slice.txt");
    std::string text = test::slurp(std::string(DESCENT_DATA_DIR) + "/tinyshakespeare/input.txt").substr(0, 30000);
    if (text.size() < 30000) {
      const char* lines[] = {"First Citizen:\nBefore we proceed any further, hear me speak.\n\n",
                             "All:\nSpeak, speak.\n\n", "MENENIUS:\nWhy, masters, my good friends, mine honest neighbours,\n\n"};
      text.clear();
      for (int i = 0; text.size() < 30000; ++i) text += lines[(i * 7 + i / 3) % 3];
    }
    std::ofstream(p) << text;
    return p;
  }();
  return path;
}

const std::string kTiny = " --n-layer 1 --n-head 2 --n-embd 32 --block-size 16 --batch-size 8 --eval-iters 4 --threads 2";

double final_val_loss(const Outcome& o) {
  INFO("stdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(o.status == 0);
  static const std::regex form(R"(final val_loss=(\S+))");
  std::smatch m;
  const auto lines = o.out_lines();
  REQUIRE(!lines.empty());
  REQUIRE(std::regex_match(lines.back(), m, form));
  return std::stod(m[1].str());
}

// The val_loss column of a char_gpt metrics CSV.
std::vector<double> val_losses(const std::string& csv) {
  std::vector<double> v;
  const auto rows = Outcome::lines(test::slurp(csv));
  REQUIRE(!rows.empty());
  REQUIRE(rows[0] == "iter,train_loss,val_loss,lr,seconds");
  for (size_t i = 1; i < rows.size(); ++i) {
    std::stringstream row(rows[i]);
    std::string cell;
    for (int k = 0; k < 3; ++k) std::getline(row, cell, ',');
    v.push_back(std::stod(cell));
  }
  return v;
}

}  // namespace

TEST_CASE("char_gpt trains on a slice of Tiny Shakespeare: the loss falls, the CSV and the plot are written") {
  const std::string csv = scratch("gpt.csv"), png = scratch("gpt.png");
  Outcome o = run_example("char_gpt", "--data " + text_slice() + kTiny + " --max-iters 60 --eval-interval 20 --lr 3e-3 "
                                      "--warmup-iters 5 --metrics " + csv + " --plot " + png);
  const double final_loss = final_val_loss(o);
  REQUIRE(o.out.rfind("cpu: ", 0) == 0);
  REQUIRE(o.out.find("vocabulary") != std::string::npos);
  const std::vector<double> v = val_losses(csv);
  REQUIRE(v.size() == 4);  // iterations 0, 20, 40, 60
  REQUIRE(v.back() == Approx(final_loss).epsilon(1e-3));
  REQUIRE(v.front() > 3.0);           // about log 60: a uniform guess over the characters
  REQUIRE(v.back() < v.front() - 0.5);  // it learned the characters' frequencies at least
  REQUIRE(test::slurp(png).substr(0, 8) == "\x89PNG\r\n\x1a\n");
}

TEST_CASE("char_gpt resumed from FILE.iter20 repeats the uninterrupted run exactly") {
  const std::string ckpt = scratch("gpt.ckpt"), straight = scratch("straight.csv"), resumed = scratch("resumed.csv");
  const std::string flags = "--data " + text_slice() + kTiny + " --max-iters 40 --eval-interval 10 --dropout 0.1";
  Outcome a = run_example("char_gpt", flags + " --checkpoint " + ckpt + " --metrics " + straight);
  REQUIRE(a.status == 0);
  REQUIRE(std::filesystem::exists(ckpt + ".iter20"));
  Outcome b = run_example("char_gpt", flags + " --resume " + ckpt + ".iter20 --metrics " + resumed);
  INFO(b.out << b.err);
  REQUIRE(b.status == 0);
  REQUIRE(b.out.find("resumed from") != std::string::npos);
  REQUIRE(b.out.find("iter 10/40") == std::string::npos);  // done before the checkpoint: not again
  REQUIRE(test::csv_without_seconds(resumed) == test::csv_without_seconds(straight));
  REQUIRE(a.out_lines().back() == b.out_lines().back());
}

TEST_CASE("char_gpt --sample N prints N generated characters of the vocabulary, and --model lstm trains") {
  Outcome o = run_example("char_gpt", "--data " + text_slice() + kTiny + " --max-iters 5 --sample 80 --top-k 5");
  final_val_loss(o);
  const size_t at = o.out.find("sample:\n");
  REQUIRE(at != std::string::npos);
  const std::string text = o.out.substr(at + 8, o.out.rfind("\nfinal val_loss") - at - 8);
  REQUIRE(text.size() == 80);
  const std::string vocabulary = test::slurp(text_slice());
  for (char ch : text) REQUIRE(vocabulary.find(ch) != std::string::npos);

  const std::string csv = scratch("lstm.csv");
  Outcome l = run_example("char_gpt", "--model lstm --data " + text_slice() + kTiny +
                                      " --max-iters 40 --eval-interval 20 --lr 1e-2 --metrics " + csv);
  final_val_loss(l);
  REQUIRE(l.out.find("model: lstm") != std::string::npos);
  const std::vector<double> v = val_losses(csv);
  REQUIRE(v.back() < v.front() - 0.5);
}

TEST_CASE("char_gpt: bad flags or data: one line on stderr, exit status 2") {
  require_usage_error(run_example("char_gpt", "--data " + scratch("no_such.txt")), "char_gpt", "no_such.txt");
  const std::string tiny = scratch("tiny.txt");
  std::ofstream(tiny) << "To be, or not to be";
  require_usage_error(run_example("char_gpt", "--data " + tiny), "char_gpt", "too short");
  const std::string data = "--data " + text_slice();
  require_usage_error(run_example("char_gpt", data + " --n-embd 30 --n-head 4"), "char_gpt", "not divisible");
  require_usage_error(run_example("char_gpt", data + " --n-layer 0"), "char_gpt", "--n-layer");
  require_usage_error(run_example("char_gpt", data + " --dropout 1"), "char_gpt", "--dropout");
  require_usage_error(run_example("char_gpt", data + " --temperature 0"), "char_gpt", "--temperature");
  require_usage_error(run_example("char_gpt", data + " --max-iters many"), "char_gpt", "'many' for --max-iters");
  require_usage_error(run_example("char_gpt", data + " --model rnn"), "char_gpt", "'rnn' for --model");
  require_usage_error(run_example("char_gpt", data + " --epochs 3"), "char_gpt", "--epochs does not apply");
  require_usage_error(run_example("char_gpt", data + " --bogus 1"), "char_gpt", "unknown flag --bogus");
  // a checkpoint of another model does not fit
  const std::string ckpt = scratch("other.ckpt");
  REQUIRE(run_example("char_gpt", data + kTiny + " --max-iters 1 --checkpoint " + ckpt).status == 0);
  require_usage_error(run_example("char_gpt", data + " --max-iters 1 --resume " + ckpt), "char_gpt", ckpt);
}

TEST_CASE("maml_sinusoid runs second- and first-order MAML and reports both MSEs in its final line") {
  static const std::regex form(R"(final maml_mse=(\S+) pretrained_mse=(\S+))");
  const std::string png = scratch("maml.png");
  for (const std::string order : {"", " --first-order"}) {
    Outcome o = run_example("maml_sinusoid", "--iterations 30 --meta-batch 5 --threads 2 --plot " + png + order);
    INFO(o.out << o.err);
    REQUIRE(o.status == 0);
    REQUIRE(o.out.find(order.empty() ? "second order" : "first order") != std::string::npos);
    std::smatch m;
    const auto lines = o.out_lines();
    REQUIRE(std::regex_match(lines.back(), m, form));
    for (int k : {1, 2}) {
      const double mse = std::stod(m[k].str());
      REQUIRE(mse > 0.0);
      REQUIRE(mse < 20.0);  // amplitudes up to 5: the mean of A²/2 is about 4
    }
    REQUIRE(test::slurp(png).substr(0, 8) == "\x89PNG\r\n\x1a\n");
  }
}

TEST_CASE("maml_sinusoid: bad flags: one line on stderr, exit status 2") {
  require_usage_error(run_example("maml_sinusoid", "--k 0"), "maml_sinusoid", "--k");
  require_usage_error(run_example("maml_sinusoid", "--inner-lr fast"), "maml_sinusoid", "'fast' for --inner-lr");
  require_usage_error(run_example("maml_sinusoid", "--first-order=maybe"), "maml_sinusoid", "--first-order");
  require_usage_error(run_example("maml_sinusoid", "--lr 0.1"), "maml_sinusoid", "--lr does not apply");
  require_usage_error(run_example("maml_sinusoid", "--bogus"), "maml_sinusoid", "unknown flag --bogus");
}
