// nn::LSTM and nn::GRU (see rnn.h).
#include "nn/rnn.h"

#include <cmath>
#include <ostream>
#include <string>

#include "autograd/ops.h"
#include "nn/functional_call.h"
#include "nn/init.h"
#include "tensor/check.h"

namespace descent::nn {

RNNBase::RNNBase(const RNNOptions& options_, int64_t gates, const char* kind) : options(options_), kind_(kind) {
  const int64_t I = options.input_size(), H = options.hidden_size(), L = options.num_layers();
  CHECK(I > 0 && H > 0, kind, ": sizes must be positive, got input_size=", I, " hidden_size=", H);
  CHECK(L >= 1, kind, ": num_layers must be at least 1, got ", L);
  CHECK(options.dropout() >= 0 && options.dropout() <= 1, kind, ": dropout must be in [0, 1], got ",
        options.dropout());
  for (int64_t k = 0; k < L; ++k) {
    const std::string s = "_l" + std::to_string(k);
    weight_ih.push_back(register_parameter("weight_ih" + s, empty({gates * H, k == 0 ? I : H})));
    weight_hh.push_back(register_parameter("weight_hh" + s, empty({gates * H, H})));
    bias_ih.push_back(register_parameter("bias_ih" + s, options.bias() ? empty({gates * H}) : Tensor()));
    bias_hh.push_back(register_parameter("bias_hh" + s, options.bias() ? empty({gates * H}) : Tensor()));
  }
  reset_parameters();
}

void RNNBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(double(options.hidden_size()));
  for (const Tensor& p : parameters()) init::uniform_(p, -bound, bound);
}

std::pair<Tensor, bool> RNNBase::sequence_first(const Tensor& x) const {
  CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), kind_, ": expected an input [T, B, input_size]",
        options.batch_first() ? " ([B, T, input_size] with batch_first)" : "", " or [T, input_size], got ",
        x.defined() ? shape_str(x.sizes()) : std::string("an undefined tensor"));
  CHECK(x.sizes().back() == options.input_size(), kind_, ": expected input_size ", options.input_size(),
        " in the last dim, got input ", x.sizes());
  if (x.dim() == 2) return {unsqueeze(x, 1), true};
  return {options.batch_first() ? transpose(x, 0, 1) : x, false};
}

Tensor RNNBase::initial_state(const Tensor& state, const char* what, int64_t batch, bool unbatched) const {
  if (!state.defined()) return {};
  const int64_t L = options.num_layers(), H = options.hidden_size();
  const Dims expected = unbatched ? Dims{L, H} : Dims{L, batch, H};
  CHECK(state.sizes() == expected, kind_, ": expected ", what, " of shape ", expected, ", got ", state.sizes());
  return unbatched ? unsqueeze(state, 1) : state;
}

Tensor RNNBase::project_input(const Tensor& x, int64_t layer, const Tensor& bias) const {
  return linear(x, param(weight_ih[size_t(layer)]), bias);
}

Tensor RNNBase::between_layers(const Tensor& out, int64_t layer) const {
  const bool last = layer + 1 == options.num_layers();
  return last || options.dropout() == 0 ? out : dropout(out, options.dropout(), is_training());
}

Tensor RNNBase::output_layout(const Tensor& out, bool unbatched) const {
  if (unbatched) return squeeze(out, 1);
  return options.batch_first() ? transpose(out, 0, 1) : out;
}

void RNNBase::pretty_print(std::ostream& os) const {
  os << kind_ << "(" << options.input_size() << ", " << options.hidden_size();
  if (options.num_layers() != 1) os << ", num_layers=" << options.num_layers();
  if (!options.bias()) os << ", bias=false";
  if (options.batch_first()) os << ", batch_first=true";
  if (options.dropout() != 0) os << ", dropout=" << options.dropout();
  os << ")";
}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTM::forward(const Tensor& input,
                                                             const std::tuple<Tensor, Tensor>& hc) const {
  auto [x, unbatched] = sequence_first(input);
  const int64_t B = x.sizes()[1];
  const Tensor h0 = initial_state(std::get<0>(hc), "h0", B, unbatched);
  const Tensor c0 = initial_state(std::get<1>(hc), "c0", B, unbatched);
  CHECK(h0.defined() == c0.defined(), "LSTM: give both h0 and c0, or neither");
  std::vector<Tensor> h_n, c_n;
  for (int64_t k = 0; k < options.num_layers(); ++k) {
    const size_t l = size_t(k);
    // b_ih and b_hh enter every step together: one bias, added once by the projection's GEMM.
    const Tensor bias = options.bias() ? param(bias_ih[l]) + param(bias_hh[l]) : Tensor();
    auto [out, h, c] = lstm_layer(project_input(x, k, bias), param(weight_hh[l]),
                                  h0.defined() ? select(h0, 0, k) : Tensor(), c0.defined() ? select(c0, 0, k) : Tensor());
    h_n.push_back(h);
    c_n.push_back(c);
    x = between_layers(out, k);
  }
  Tensor hs = stack(h_n, 0), cs = stack(c_n, 0);
  if (unbatched) hs = squeeze(hs, 1), cs = squeeze(cs, 1);
  return {output_layout(x, unbatched), {hs, cs}};
}

std::tuple<Tensor, Tensor> GRU::forward(const Tensor& input, const Tensor& h0_given) const {
  auto [x, unbatched] = sequence_first(input);
  const Tensor h0 = initial_state(h0_given, "h0", x.sizes()[1], unbatched);
  std::vector<Tensor> h_n;
  for (int64_t k = 0; k < options.num_layers(); ++k) {
    const size_t l = size_t(k);
    const Tensor x_gates = project_input(x, k, options.bias() ? param(bias_ih[l]) : Tensor());
    auto [out, h] = gru_layer(x_gates, param(weight_hh[l]), options.bias() ? param(bias_hh[l]) : Tensor(),
                              h0.defined() ? select(h0, 0, k) : Tensor());
    h_n.push_back(h);
    x = between_layers(out, k);
  }
  Tensor hs = stack(h_n, 0);
  if (unbatched) hs = squeeze(hs, 1);
  return {output_layout(x, unbatched), hs};
}

}  // namespace descent::nn
