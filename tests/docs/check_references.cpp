// Checks that the documentation names only things that exist:
//   - every `path/with/slashes.ext` or [link](relative/path) must be a file or folder of the
//     repository (paths under build/, absolute paths and ../ paths are outside it and skipped);
//   - every `name(...)` or `ns::name(...)` in backticks must be a function that appears in the
//     sources (the last identifier before the parenthesis is searched for).
//   check_doc_references ROOT FILE.md...
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool looks_like_path(const std::string& s) {
  static const std::regex path(R"(^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]*)+$|^[A-Za-z0-9_\-]+\.(h|cpp|md|py|sh|txt|csv|cmake)$)");
  return std::regex_match(s, path);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: check_doc_references ROOT FILE.md...\n";
    return 2;
  }
  const fs::path root = argv[1];
  // All source text, to look functions up in.
  std::string sources;
  for (const char* dir : {"tensor", "autograd", "nn", "optim", "data", "plot", "examples", "bench", "tests", "tools"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      auto ext = e.path().extension();
      if (ext == ".h" || ext == ".cpp" || ext == ".py" || ext == ".sh") sources += read(e.path());
    }
  }
  sources += read(root / "descent.h");
  sources += read(root / "CMakeLists.txt");  // documents may name CMake commands too
  int problems = 0, checked = 0;
  const std::regex code_span("`([^`\n]+)`"), link(R"(\]\(([^)#\s]+)[^)]*\))"),
      function(R"(^(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)\(.*\)$)");
  for (int i = 2; i < argc; ++i) {
    const std::string text = read(argv[i]);
    // Code blocks are checked by compiling them; only prose is scanned here.
    std::string prose;
    bool in_block = false;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("```", 0) == 0) { in_block = !in_block; continue; }
      if (!in_block) prose += line + "\n";
    }
    auto report = [&](const std::string& what) {
      std::cerr << argv[i] << ": " << what << "\n";
      ++problems;
    };
    for (std::sregex_iterator it(prose.begin(), prose.end(), code_span), end; it != end; ++it) {
      std::string s = (*it)[1];
      std::smatch m;
      if (looks_like_path(s)) {
        if (s.rfind("build", 0) == 0 || s.rfind("../", 0) == 0) continue;
        ++checked;
        if (!fs::exists(root / s)) report("names " + s + ", which does not exist");
      } else if (std::regex_match(s, m, function)) {
        ++checked;
        const std::regex use("\\b" + m[1].str() + "\\s*\\(");
        if (!std::regex_search(sources, use)) report("names function " + s + ", which is not in the sources");
      }
    }
    for (std::sregex_iterator it(prose.begin(), prose.end(), link), end; it != end; ++it) {
      std::string target = (*it)[1];
      if (target.find("://") != std::string::npos || target.rfind("../", 0) == 0 || target[0] == '/') continue;
      ++checked;
      fs::path base = fs::path(argv[i]).parent_path();
      if (!fs::exists(base / target)) report("links to " + target + ", which does not exist");
    }
  }
  std::cout << checked << " references checked, " << problems << " missing\n";
  return problems == 0 ? 0 : 1;
}
