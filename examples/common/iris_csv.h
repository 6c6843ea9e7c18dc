#pragma once
// The Iris CSV of iris_hinge, as shipped with scikit-learn (examples/data/iris.csv): a header
// "150,4,setosa,versicolor,virginica" (rows, features, class names), then one row per flower of
// four measurements in cm and a class index 0, 1 or 2. Strict: anything else is a
// std::runtime_error naming the file, the line and what was expected there.
#include <string>
#include <vector>

#include <descent/descent.h>

namespace examples {

struct Iris {
  descent::Tensor features;  // float32 [150, 4]: sepal length, sepal width, petal length, petal width
  descent::Tensor labels;    // int64 [150]: 0 setosa, 1 versicolor, 2 virginica
  std::vector<std::string> classes;
};

Iris read_iris(const std::string& path);
// The same from the file's bytes; `path` only names it in errors.
Iris parse_iris(const std::string& text, const std::string& path);

}  // namespace examples
