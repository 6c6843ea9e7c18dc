#pragma once
// The examples' main: runs the program's body and turns every error into one line on stderr,
// "<program>: <what went wrong>", and exit status 2, as CONTRACT.md asks (an unknown flag, a bad
// value, a missing or malformed data folder, a checkpoint that does not fit). --help prints the
// usage on stdout and exits 0. Read next: common/flags.h.
#include <functional>

namespace examples {

// Returns main's exit status: body's (0 when it returns normally), or 2 after an error.
int run_main(int argc, char** argv, const std::function<void()>& body);

}  // namespace examples
