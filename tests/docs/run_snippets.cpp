// Runs every code block of README.md and docs/*.md (compiled into this program by
// extract_snippets) and fails on the first one that throws or returns non-zero.
#include <exception>
#include <iostream>
#include <functional>
#include <string>
#include <vector>

struct DocSnippet {
  const char* file;
  int line;
  std::function<int()> run;
};
std::vector<DocSnippet> doc_snippets();

int main() {
  int failures = 0;
  for (const DocSnippet& s : doc_snippets()) {
    try {
      int rc = s.run();
      if (rc != 0) {
        std::cerr << s.file << ":" << s.line << ": snippet returned " << rc << "\n";
        ++failures;
      }
    } catch (const std::exception& e) {
      std::cerr << s.file << ":" << s.line << ": snippet threw: " << e.what() << "\n";
      ++failures;
    }
  }
  std::cout << doc_snippets().size() << " snippets, " << failures << " failed\n";
  return failures == 0 ? 0 : 1;
}
