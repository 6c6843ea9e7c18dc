#pragma once
// Runs part of a test in a forked child process, for the cases whose failure mode is a crash:
// the test then fails with "killed by signal 11 (Segmentation fault)" instead of taking the
// whole test program down with it. The child reports what happened through a pipe:
//   "returned"            the function returned normally
//   "threw: <what()>"     it threw a std::exception
//   "killed by signal N (<name>)"
// Keep the child's work small: it runs without the parent's oneTBB threads (they are not copied
// by fork), so large parallel kernels have no business there.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <exception>
#include <functional>
#include <string>

namespace test {

inline std::string in_child(const std::function<void()>& f) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string report = "returned";
    try {
      f();
    } catch (const std::exception& e) {
      report = std::string("threw: ") + e.what();
    } catch (...) {
      report = "threw: something that is not a std::exception";
    }
    for (size_t done = 0; done < report.size();) {
      const ssize_t n = ::write(fds[1], report.data() + done, report.size() - done);
      if (n <= 0) break;
      done += size_t(n);
    }
    ::_exit(0);  // no destructors, no exit handlers: the parent owns those
  }
  ::close(fds[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0) break;
    report.append(buffer, size_t(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
  return report;
}

}  // namespace test
