// Reading the Iris CSV (see iris_csv.h).
#include "common/iris_csv.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <descent/tensor/file_io.h>

namespace examples {

using namespace descent;

Iris read_iris(const std::string& path) {
  return parse_iris(file_io::read_file(path, "iris: " + path + ": "), path);
}

Iris parse_iris(const std::string& bytes, const std::string& path) {
  auto fail = [&](int line, const std::string& what) {
    throw std::runtime_error("iris: " + path + (line > 0 ? ":" + std::to_string(line) : "") + ": " + what +
                             " (--data expects the Iris CSV)");
  };
  std::istringstream in(bytes);
  std::string text;
  std::vector<std::string> header;
  if (!std::getline(in, text)) fail(1, "empty file");
  std::istringstream cells(text);
  for (std::string cell; std::getline(cells, cell, ',');) header.push_back(cell);
  if (header.size() != 5 || header[0] != "150" || header[1] != "4")
    fail(1, "expected the header '150,4,setosa,versicolor,virginica', got '" + text.substr(0, 80) + "'");

  std::vector<double> features;
  std::vector<double> labels;
  for (int line = 2; std::getline(in, text); ++line) {
    if (text.empty() || text == "\r") continue;
    if (labels.size() == 150) fail(line, "more than the 150 rows the header promises");
    std::istringstream row(text);
    double v[5];
    char comma;
    for (int k = 0; k < 5; ++k)
      if (!(row >> v[k]) || !std::isfinite(v[k]) || (k < 4 && !(row >> comma && comma == ',')))
        fail(line, "expected 4 numbers and a class");
    if (v[4] != 0 && v[4] != 1 && v[4] != 2) fail(line, "class must be 0, 1 or 2");
    features.insert(features.end(), v, v + 4);
    labels.push_back(v[4]);
  }
  if (labels.size() != 150) fail(0, "expected 150 rows, got " + std::to_string(labels.size()));
  return {tensor(features, {150, 4}), tensor(labels, {150}, kInt64), {header[2], header[3], header[4]}};
}

}  // namespace examples
