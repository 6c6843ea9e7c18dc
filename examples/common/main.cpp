// run_main (see main.h).
#include "common/main.h"

#include <cstdio>
#include <exception>
#include <string>

#include "common/flags.h"

namespace examples {
namespace {

// One line, whatever the message holds (the loaders' hints, a checkpoint's list of problems).
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::function<void()>& error_hook() {
  static std::function<void()> hook;
  return hook;
}

}  // namespace

void set_error_hook(std::function<void()> hook) { error_hook() = std::move(hook); }

int run_main(int argc, char** argv, const std::function<void()>& body) {
  std::string program = argc > 0 ? argv[0] : "example";
  program = program.substr(program.find_last_of('/') + 1);
  try {
    body();
    return 0;
  } catch (const HelpRequested& help) {
    std::printf("%s\n", help.what());
    return 0;
  } catch (const std::exception& e) {
    // UsageError, std::invalid_argument from a bad option, std::runtime_error from a loader or a
    // checkpoint, and anything else the library throws: never a crash.
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", program.c_str(), one_line(e.what()).c_str());
    std::fflush(stderr);
    if (error_hook()) error_hook()();
    return 2;
  }
}

}  // namespace examples
