#pragma once
// The examples' main: runs the program's body and turns every error into one line on stderr,
// "<program>: <what went wrong>", and exit status 2, as CONTRACT.md asks (an unknown flag, a bad
// value, a missing or malformed data folder, a checkpoint that does not fit). --help prints the
// usage on stdout and exits 0. Read next: common/flags.h.
#include <functional>

namespace examples {

// Returns main's exit status: body's (0 when it returns normally), or 2 after an error.
int run_main(int argc, char** argv, const std::function<void()>& body);

// Runs after an error's line is printed, instead of returning 2: --distributed sets it to end
// every rank at once (common/cluster.h), since the others would wait for this one.
void set_error_hook(std::function<void()> hook);

}  // namespace examples
