// Build-time tool: turns every ```cpp block of the given Markdown files into a function of one
// generated C++ file, so that the documentation's code is compiled and run as a test.
//   extract_snippets OUT.cpp ROOT FILE.md...
// A block that defines `int main(` is kept whole (its main renamed); any other block is the
// body of a function. #include lines move to the top of the generated file. `#line` directives
// point compiler errors back at the Markdown file and line.
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

struct Snippet {
  std::string file;
  int line = 0;
  std::string code;
};

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: extract_snippets OUT.cpp ROOT FILE.md...\n";
    return 2;
  }
  const std::string root = argv[2];
  std::vector<Snippet> snippets;
  std::set<std::string> includes = {"#include <descent/descent.h>"};
  for (int i = 3; i < argc; ++i) {
    std::ifstream in(argv[i]);
    if (!in) {
      std::cerr << "extract_snippets: cannot read " << argv[i] << "\n";
      return 2;
    }
    std::string name = argv[i];
    if (name.rfind(root + "/", 0) == 0) name = name.substr(root.size() + 1);
    std::string line;
    int number = 0;
    bool inside = false;
    Snippet current;
    while (std::getline(in, line)) {
      ++number;
      if (!inside && line.rfind("```cpp", 0) == 0) {
        inside = true;
        current = {name, number + 1, ""};
      } else if (inside && line.rfind("```", 0) == 0) {
        inside = false;
        snippets.push_back(current);
      } else if (inside) {
        if (line.rfind("#include", 0) == 0) includes.insert(line);
        else current.code += line + "\n";
      }
    }
  }
  std::ostringstream out;
  out << "// Generated from the documentation's ```cpp blocks by tests/docs/extract_snippets.cpp.\n";
  for (const auto& inc : includes) out << inc << "\n";
  out << "#include <functional>\n#include <string>\n#include <vector>\n\n";
  out << "struct DocSnippet { const char* file; int line; std::function<int()> run; };\n\n";
  for (size_t k = 0; k < snippets.size(); ++k) {
    const Snippet& s = snippets[k];
    out << "namespace doc_snippet_" << k << " {\nusing namespace descent;\n";
    if (s.code.find("int main(") != std::string::npos) {
      std::string code = std::regex_replace(s.code, std::regex("int main\\("), "int snippet_main(");
      // main may end without `return`; snippet_main may not (that would be undefined behaviour).
      // main comes last in a snippet, so its closing brace is the last one.
      if (size_t brace = code.rfind('}'); brace != std::string::npos) code.insert(brace, "  return 0;\n");
      out << "#line " << s.line << " \"" << s.file << "\"\n" << code << "\n";
    } else {
      out << "int snippet_main() {\n#line " << s.line << " \"" << s.file << "\"\n" << s.code << "  return 0;\n}\n";
    }
    out << "}  // namespace doc_snippet_" << k << "\n\n";
  }
  out << "std::vector<DocSnippet> doc_snippets() {\n  return {\n";
  for (size_t k = 0; k < snippets.size(); ++k)
    out << "    {\"" << snippets[k].file << "\", " << snippets[k].line << ", doc_snippet_" << k << "::snippet_main},\n";
  out << "  };\n}\n";
  const std::string text = out.str();
  std::ifstream old(argv[1]);
  std::stringstream previous;
  previous << old.rdbuf();
  if (previous.str() != text) std::ofstream(argv[1]) << text;  // unchanged: keep the timestamp
  return 0;
}
