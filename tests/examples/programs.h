#pragma once
// Running the example programs from tests: each test starts a built binary of build/examples/
// with a command line, waits for it, and looks at its exit status, its stdout (the contract's
// final line) and its stderr (one line on errors), and at the files it wrote (metrics CSV).
// Files go to a fresh temporary folder per test process.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.h"

namespace test {

struct Outcome {
  int status = -1;  // the exit status, or -1 when the program did not exit normally (a crash)
  std::string out, err;
  std::vector<std::string> out_lines() const { return lines(out); }
  std::vector<std::string> err_lines() const { return lines(err); }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) v.push_back(line);
    return v;
  }
};

// A temporary folder of this test process, created on first use and removed at exit.
inline std::filesystem::path scratch() {
  struct Folder {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("descent_examples_" + std::to_string(getpid()));
    Folder() { std::filesystem::create_directories(path); }
    ~Folder() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}
inline std::string scratch(const std::string& name) { return (scratch() / name).string(); }

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs build/examples/<program> with `args` (shell words), capturing stdout and stderr.
// `environment` ("NAME=value ...", shell words too) is set for this run only.
inline Outcome run_example(const std::string& program, const std::string& args, const std::string& environment = "") {
  static int counter = 0;
  const std::string stem = scratch("run" + std::to_string(++counter));
  const std::string command = (environment.empty() ? "" : environment + " ") + std::string(DESCENT_BINARY_DIR) +
                              "/examples/" + program + " " + args + " > " + stem + ".out 2> " + stem + ".err";
  const int raw = std::system(command.c_str());
  Outcome o;
  o.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  o.out = slurp(stem + ".out");
  o.err = slurp(stem + ".err");
  return o;
}

// The contract's last stdout line, "final test_loss=<x> test_accuracy=<y>": returns whether the
// line has that form, and its numbers (accuracy NaN when empty, for regression).
inline bool final_line(const Outcome& o, double& loss, double& accuracy) {
  auto lines = o.out_lines();
  if (lines.empty()) return false;
  static const std::regex form(R"(final test_loss=(\S+) test_accuracy=(\S*))");
  std::smatch m;
  if (!std::regex_match(lines.back(), m, form)) return false;
  loss = std::stod(m[1].str());
  accuracy = m[2].str().empty() ? NAN : std::stod(m[2].str());
  return true;
}

inline double final_accuracy(const Outcome& o) {
  double loss, accuracy;
  INFO("stdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(final_line(o, loss, accuracy));
  return accuracy;
}

// An error as the contract wants it: status 2, nothing but "<program>: <message>" on stderr,
// and the message mentions each of `what` (the file, the problem).
inline void require_usage_error(const Outcome& o, const std::string& program, const std::vector<std::string>& what) {
  INFO("status " << o.status << "\nstdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(o.status == 2);
  REQUIRE(o.err_lines().size() == 1);
  REQUIRE(o.err.rfind(program + ": ", 0) == 0);
  for (const std::string& w : what) {
    INFO("expected on stderr: " << w);
    REQUIRE(o.err.find(w) != std::string::npos);
  }
}
inline void require_usage_error(const Outcome& o, const std::string& program, const std::string& what) {
  require_usage_error(o, program, std::vector<std::string>{what});
}

// A metrics CSV's rows without the last column (seconds, the only one that may differ between
// identical runs).
inline std::vector<std::string> csv_without_seconds(const std::string& path) {
  std::vector<std::string> rows;
  for (const auto& line : Outcome::lines(slurp(path))) rows.push_back(line.substr(0, line.find_last_of(',')));
  return rows;
}

// Runs `program` for `epochs` epochs straight (with checkpoints), once more straight without
// them, and again from FILE.epoch<from>: all three metrics files must agree but for the seconds.
inline void require_deterministic_and_resumable(const std::string& program, const std::string& args, int epochs, int from) {
  static int calls = 0;
  const std::string tag = program + "_determinism" + std::to_string(++calls);
  const std::string ckpt = scratch(tag + ".ckpt"), run1 = scratch(tag + "_1.csv"), run2 = scratch(tag + "_2.csv");
  const std::string resumed = scratch(tag + "_resumed.csv");
  const std::string common = args + " --epochs " + std::to_string(epochs);
  REQUIRE(run_example(program, common + " --checkpoint " + ckpt + " --metrics " + run1).status == 0);
  REQUIRE(run_example(program, common + " --metrics " + run2).status == 0);
  Outcome o = run_example(program, common + " --resume " + ckpt + ".epoch" + std::to_string(from) + " --metrics " + resumed);
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  REQUIRE(o.out.find("resumed from") != std::string::npos);
  REQUIRE(o.out.find("epoch " + std::to_string(from) + "/") == std::string::npos);  // done epochs are not run again

  auto a = csv_without_seconds(run1), b = csv_without_seconds(run2), c = csv_without_seconds(resumed);
  REQUIRE(a.size() == size_t(epochs) + 1);
  REQUIRE(b == a);  // same seed, same threads: the same run
  REQUIRE(c == a);  // the resumed run repeats the uninterrupted one's later epochs
}

// Marks a test whose data is absent: CTest reports the tests of these binaries as skipped
// when their output holds "skipped:" (SKIP_REGULAR_EXPRESSION in tests/examples/CMakeLists.txt).
inline void skip(const std::string& reason) { std::cout << "skipped: " << reason << std::endl; }

}  // namespace test
