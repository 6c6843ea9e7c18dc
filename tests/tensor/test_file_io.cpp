// Reading and writing whole files (tensor/file_io.h): every failure names the path and the
// problem in plain words, and an interrupted write never leaves a half-written file or, after the
// next write, a temporary one.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <descent/tensor/file_io.h>

#include "child.h"
#include "helpers.h"

using namespace descent;
namespace fs = std::filesystem;

namespace {

struct Folder {
  fs::path path;
  explicit Folder(const std::string& name)
      : path(fs::temp_directory_path() / ("descent-file-io-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Folder() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void put(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(folder)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// A process id that belonged to a process which has ended (its child, reaped).
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

}  // namespace

TEST_CASE("reading names the path and says: no such file, a folder, a device, permission denied") {
  Folder dir("read");
  REQUIRE_THROWS_WITH(file_io::read_file(dir / "missing.bin", "load " + dir / "missing.bin" + ": "),
                      "load " + dir / "missing.bin" + ": cannot open the file: no such file");
  REQUIRE_THROWS_WITH(file_io::read_file(dir.path.string(), "load: "), "load: is a folder, not a file");
  REQUIRE_THROWS_WITH(file_io::read_file(dir / "missing/inner.bin", "load: "), "load: cannot open the file: no such file");
  // A device would never end: refused rather than read until memory runs out.
  REQUIRE_THROWS_WITH(file_io::read_file("/dev/zero", "load: "), "load: not a regular file (a device or socket)");
  put(dir / "plain", "abc");
  REQUIRE(file_io::read_file(dir / "plain", "load: ") == "abc");
  REQUIRE_THROWS_WITH(file_io::read_file(dir / "plain/inner", "load: "),
                      "load: cannot open the file: a part of the path is not a folder");
  // Permission denied: root reads anything, so the check runs as "nobody" in a child.
  const std::string secret = dir / "secret";
  put(secret, "x");
  ::chmod(secret.c_str(), 0);
  REQUIRE(test::in_child([&] {
            if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) throw std::runtime_error("setuid");
            file_io::read_file(secret, "load: ");
          }) == "threw: load: cannot open the file: permission denied");
}

TEST_CASE("writing names the path and says: a folder, a missing folder, permission denied, a full disk") {
  Folder dir("write");
  REQUIRE_THROWS_WITH(file_io::write_file_atomically(dir.path.string(), "abc", "save: "), "save: is a folder, not a file");
  REQUIRE_THROWS_WITH(file_io::write_file_atomically(dir / "missing/out.bin", "abc", "save: "),
                      Catch::StartsWith("save: cannot create " + dir / "missing/out.bin.tmp.") &&
                          Catch::EndsWith(": no such file"));
  const std::string locked = dir / "locked";
  fs::create_directories(locked);
  ::chmod(locked.c_str(), 0555);
  REQUIRE(test::in_child([&] {
            if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) throw std::runtime_error("setuid");
            file_io::write_file_atomically(locked + "/out.bin", "abc", "save: ");
          }).ends_with(": permission denied"));
  // A file size limit makes write() fail midway as a full disk does (EFBIG rather than ENOSPC).
  const std::string big = dir / "big.bin";
  put(big, "old");
  REQUIRE(test::in_child([&] {
            ::signal(SIGXFSZ, SIG_IGN);
            rlimit limit{1000, 1000};
            ::setrlimit(RLIMIT_FSIZE, &limit);
            file_io::write_file_atomically(big, std::string(100000, 'x'), "save: ");
          }) == "threw: save: write failed: file too large (over the file size limit)");
  REQUIRE(file_io::read_file(big, "") == "old");  // untouched
  REQUIRE(names_in(dir.path) == std::vector<std::string>{"big.bin", "locked"});  // no temporary file left
}

TEST_CASE("a write removes the temporary files that killed writers left, and only those") {
  Folder dir("stale");
  const std::string path = dir / "run.ckpt";
  const std::string dead = "run.ckpt.tmp." + std::to_string(dead_pid()) + ".3";
  const std::string live = "run.ckpt.tmp.1.0";  // pid 1 always runs
  const std::string ours = "run.ckpt.tmp." + std::to_string(::getpid()) + ".99";  // another thread's, maybe
  for (const std::string& name : {dead, live, ours, std::string("other.ckpt.tmp.123.0")}) put(dir / name, "partial");
  file_io::write_file_atomically(path, "new", "save: ");
  REQUIRE(file_io::read_file(path, "") == "new");
  std::vector<std::string> expected = {live, ours, "other.ckpt.tmp.123.0", "run.ckpt"};
  std::sort(expected.begin(), expected.end());
  REQUIRE(names_in(dir.path) == expected);
}
