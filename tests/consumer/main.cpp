// Fits y = 3x - 1 by gradient descent using only the installed descent package.
#include <descent/descent.h>

#include <cmath>
#include <iostream>

int main() {
  using namespace descent;
  manual_seed(0);
  Tensor x = randn({64, 1});
  Tensor y = x * 3.0 - 1.0;
  Tensor w = zeros({1, 1}).requires_grad_(), b = zeros({1}).requires_grad_();
  for (int step = 0; step < 200; ++step) {
    Tensor loss = (linear(x, w, b) - y).pow(2.0).mean();
    loss.backward();
    NoGradGuard no_grad;
    w.sub_(w.grad(), 0.1);
    b.sub_(b.grad(), 0.1);
    w.mutable_grad() = Tensor();
    b.mutable_grad() = Tensor();
  }
  double wv = w.item<double>(), bv = b.item<double>();
  std::cout << "cpu: " << cpu_capability() << "  w=" << wv << " b=" << bv << "\n";
  if (std::fabs(wv - 3.0) > 1e-3 || std::fabs(bv + 1.0) > 1e-3) {
    std::cerr << "consumer: did not converge\n";
    return 1;
  }
  return 0;
}
