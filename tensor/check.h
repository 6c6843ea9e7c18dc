#pragma once
// CHECK(cond, parts...) throws std::invalid_argument with the parts streamed together.
// Used at every op's entry for user mistakes; kernels below the check assume valid input.
// Internal: public headers never include this (Catch2 has a CHECK of its own).
#include <sstream>
#include <stdexcept>
#include <string>

namespace descent::detail {
template <class... Parts> std::string concat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}
}  // namespace descent::detail

#define CHECK(cond, ...)                                                         \
  do {                                                                           \
    if (!(cond)) throw std::invalid_argument(::descent::detail::concat(__VA_ARGS__)); \
  } while (0)
