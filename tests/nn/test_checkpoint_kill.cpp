// Kill-safe checkpoints, proven: a writer process (tests/kill/checkpoint_writer.cpp) saves
// checkpoints of one path in a loop and is killed with SIGKILL at random moments, hundreds of
// times, at four sizes from 1 KB to 16 MB. After every kill the file at the path must load and
// be exactly one complete version (never a mix of two, never cut short), and versions only move
// forward; the temporary files the killed writers left must be gone after the next save.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "helpers.h"

extern char** environ;

using namespace descent;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

pid_t start_writer(const std::string& path, int64_t numel, int64_t first, int64_t count = -1) {
  std::vector<std::string> args = {DESCENT_CHECKPOINT_WRITER, path, std::to_string(numel), std::to_string(first)};
  if (count >= 0) args.push_back(std::to_string(count));
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  REQUIRE(::posix_spawn(&pid, DESCENT_CHECKPOINT_WRITER, nullptr, nullptr, argv.data(), environ) == 0);
  return pid;
}

void wait_for(pid_t pid, bool killed) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (killed) REQUIRE((WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)));
  else REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

// The version the file at `path` holds, after checking that it is complete and consistent.
int64_t check_version(const std::string& path, int64_t numel) {
  serialize::InputArchive archive;
  archive.load_from(path);  // throws on any truncated or damaged entry
  const int64_t v = archive.read_int("version");
  REQUIRE(archive.read_string("label") == "version " + std::to_string(v));
  const Tensor values = archive.read_tensor("values");
  REQUIRE(values.numel() == numel);
  const float* p = values.data_ptr<float>();
  for (int64_t i = 0; i < numel; ++i)
    if (p[i] != float(v)) FAIL("element " << i << " of version " << v << " is " << p[i]);
  return v;
}

std::vector<std::string> temporaries(const std::string& path) {
  std::vector<std::string> out;
  const std::string stem = fs::path(path).filename().string() + ".tmp.";
  for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path()))
    if (entry.path().filename().string().rfind(stem, 0) == 0) out.push_back(entry.path().filename().string());
  return out;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

TEST_CASE("SIGKILL at random moments never leaves a checkpoint that does not load or mixes two versions") {
  const fs::path folder = fs::temp_directory_path() / ("descent_kill_" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  std::mt19937 random(2024);
  int total_kills = 0, mid_save = 0;
  for (int64_t numel : {int64_t(256), int64_t(1) << 16, int64_t(1) << 20, int64_t(1) << 22}) {
    const std::string path = (folder / ("size" + std::to_string(numel) + ".ckpt")).string();
    // Time the writer: its start-up, then one save. Kills are spread over the start-up's end and
    // the next few saves, so that they land before, in and between writes, fsyncs and renames.
    auto start = Clock::now();
    wait_for(start_writer(path, numel, 0, 1), false);
    const double one = seconds_since(start);
    start = Clock::now();
    wait_for(start_writer(path, numel, 0, 5), false);
    const double per_save = std::max((seconds_since(start) - one) / 4, 1e-4), startup = std::max(one - per_save, 0.0);
    std::uniform_real_distribution<double> delay(0.5 * startup, startup + 4 * per_save);
    int64_t last = check_version(path, numel);
    for (int kill = 0; kill < 55; ++kill) {
      const pid_t pid = start_writer(path, numel, last + 1);
      std::this_thread::sleep_for(std::chrono::duration<double>(delay(random)));
      ::kill(pid, SIGKILL);
      wait_for(pid, true);
      ++total_kills;
      if (!temporaries(path).empty()) ++mid_save;  // (a leftover of this kill or of an earlier one)
      INFO("size " << numel << ", kill " << kill);
      const int64_t v = check_version(path, numel);
      REQUIRE(v >= last);
      last = v;
    }
    // One more save, to the end: it removes what the killed writers left behind.
    wait_for(start_writer(path, numel, last + 1, 1), false);
    REQUIRE(check_version(path, numel) == last + 1);
    REQUIRE(temporaries(path).empty());
    std::cout << "checkpoint kill test: " << numel * 4 << " bytes: start-up " << startup * 1e3 << " ms, one save "
              << per_save * 1e3 << " ms, last version " << last << "\n";
  }
  std::cout << "checkpoint kill test: " << total_kills << " kills, " << mid_save
            << " found temporary files (killed mid-save), 0 damaged checkpoints\n";
  REQUIRE(total_kills >= 200);
  fs::remove_all(folder);
}
