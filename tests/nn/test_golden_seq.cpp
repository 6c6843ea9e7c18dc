// The sequence-model layers and ops against PyTorch (tools/golden_seq.py wrote
// tests/golden/seq.txt): for each case, out = f(x0, x1, ..., i0, ...) and grad_k = d Σ(out·g) / d x_k,
// all in float64, must agree to max|got − want| / max(max|want|, 1e-12) < 1e-10. Modules get
// their parameters from the case through nn::functional_call, in named_parameters() order, so
// the parameters' names, shapes and gate order are checked along with the gradients.
#include "helpers.h"

using namespace descent;
namespace F = descent::nn::functional;
using Args = std::vector<Tensor>;
using Op = std::function<Tensor(const Args& x, const test::GoldenCase& c)>;

namespace {

Tensor flat(std::initializer_list<Tensor> parts) {
  std::vector<Tensor> flats;
  for (const Tensor& p : parts) flats.push_back(reshape(p, {-1}));
  return cat(flats, 0);
}

// The module's parameters taken from x[0..P), in named_parameters() order; returns x[P..).
template <class M> Args take_parameters(M& module, const Args& x, nn::NamedTensors& params) {
  params = module.named_parameters();
  REQUIRE(x.size() >= params.size());
  for (size_t i = 0; i < params.size(); ++i) params[i].second = x[i];
  return Args(x.begin() + std::ptrdiff_t(params.size()), x.end());
}

Op mha_op(bool bias, bool self_attention, bool need_weights = true, bool average = true, bool kpm = false,
          bool mask = false) {
  return [=](const Args& x, const test::GoldenCase& c) {
    nn::MultiheadAttention m(nn::MultiheadAttentionOptions(8, 2).bias(bias));
    m.to(kFloat64);
    nn::NamedTensors params;
    Args in = take_parameters(m, x, params);
    Tensor padding = kpm ? c["i0"] : Tensor();
    Tensor attn_mask = mask ? (kpm ? c["i1"] : in.back()) : Tensor();
    const Tensor& q = in[0];
    const Tensor& k = self_attention ? in[0] : in[1];
    const Tensor& v = self_attention ? in[0] : in[2];
    auto [out, w] = nn::functional_call(m, params, q, k, v, padding, need_weights, attn_mask, average);
    return need_weights ? flat({out, w}) : out;
  };
}

template <class M> Op rnn_op(std::function<std::shared_ptr<M>()> make) {
  return [make](const Args& x, const test::GoldenCase&) {
    auto m = make();
    m->to(kFloat64);
    nn::NamedTensors params;
    Args in = take_parameters(*m, x, params);
    if constexpr (std::is_same_v<M, nn::LSTM>) {
      auto [out, hc] = in.size() == 3 ? nn::functional_call(*m, params, in[0], std::tuple<Tensor, Tensor>{in[1], in[2]})
                                      : nn::functional_call(*m, params, in[0]);
      return flat({out, std::get<0>(hc), std::get<1>(hc)});
    } else {
      auto [out, h] = in.size() == 2 ? nn::functional_call(*m, params, in[0], in[1]) : nn::functional_call(*m, params, in[0]);
      return flat({out, h});
    }
  };
}

Tensor sdpa(const Args& x, const Tensor& mask = {}, bool causal = false) {
  return F::scaled_dot_product_attention(x[0], x[1], x[2], mask, 0.0, causal);
}

std::map<std::string, Op> golden_ops() {
  std::map<std::string, Op> ops = {
      {"embedding", [](const Args& x, auto& c) { return F::embedding(c["i0"], x[0]); }},
      {"embedding_1d", [](const Args& x, auto& c) {
         nn::Embedding table(4, 3);
         table.to(kFloat64);
         return nn::functional_call(table, {{"weight", x[0]}}, c["i0"]);
       }},
      {"layer_norm", [](const Args& x, auto&) { return layer_norm(x[0], {6}, x[1], x[2], 1e-5); }},
      {"layer_norm_2d_shape_no_bias",
       [](const Args& x, auto&) { return F::layer_norm(x[0], F::LayerNormFuncOptions({3, 6}).weight(x[1]).eps(1e-3)); }},
      {"layer_norm_no_affine", [](const Args& x, auto&) {
         return nn::LayerNorm(nn::LayerNormOptions({5}).elementwise_affine(false)).forward(x[0]);
       }},
      {"sdpa", [](const Args& x, auto&) { return sdpa(x); }},
      {"sdpa_causal", [](const Args& x, auto&) { return sdpa(x, {}, true); }},
      {"sdpa_causal_rect", [](const Args& x, auto&) { return sdpa(x, {}, true); }},
      {"sdpa_bool_mask", [](const Args& x, auto& c) { return sdpa(x, c["i0"]); }},
      {"sdpa_float_mask", [](const Args& x, auto&) { return sdpa(x, x[3]); }},
      {"mha_self", mha_op(true, true)},
      {"mha_cross", mha_op(true, false)},
      {"mha_key_padding_bool_mask", mha_op(true, false, true, true, true, true)},
      {"mha_self_float_mask_per_head", mha_op(true, true, true, false, false, true)},
      {"mha_self_no_weights", mha_op(true, true, false)},
      {"mha_unbatched", mha_op(true, true)},
      {"mha_no_bias", mha_op(false, true)},
      {"lstm", rnn_op<nn::LSTM>([] { return std::make_shared<nn::LSTM>(nn::LSTMOptions(4, 6)); })},
      {"lstm_2_layers_state_batch_first", rnn_op<nn::LSTM>([] {
         return std::make_shared<nn::LSTM>(nn::LSTMOptions(4, 6).num_layers(2).batch_first(true));
       })},
      {"lstm_no_bias", rnn_op<nn::LSTM>([] { return std::make_shared<nn::LSTM>(nn::LSTMOptions(4, 6).bias(false)); })},
      {"lstm_unbatched_state", rnn_op<nn::LSTM>([] { return std::make_shared<nn::LSTM>(nn::LSTMOptions(4, 6)); })},
      {"gru", rnn_op<nn::GRU>([] { return std::make_shared<nn::GRU>(nn::GRUOptions(4, 6)); })},
      {"gru_2_layers_state_batch_first", rnn_op<nn::GRU>([] {
         return std::make_shared<nn::GRU>(nn::GRUOptions(4, 6).num_layers(2).batch_first(true));
       })},
      {"gru_no_bias", rnn_op<nn::GRU>([] { return std::make_shared<nn::GRU>(nn::GRUOptions(4, 6).bias(false)); })},
      {"lstm_cell", [](const Args& x, auto&) {
         auto [h, c] = lstm_cell(x[0], {x[1], x[2]}, x[3], x[4], x[5], x[6]);
         return flat({h, c});
       }},
      {"lstm_cell_no_bias", [](const Args& x, auto&) {
         auto [h, c] = lstm_cell(x[0], {x[1], x[2]}, x[3], x[4]);
         return flat({h, c});
       }},
  };
  for (int k : {0, 1, -2}) {
    ops["tril_" + std::to_string(k)] = [k](const Args& x, auto&) { return tril(x[0], k); };
    ops["triu_" + std::to_string(k)] = [k](const Args& x, auto&) { return triu(x[0], k); };
  }
  return ops;
}

}  // namespace

TEST_CASE("sequence layers and ops match PyTorch's values and gradients") {
  const auto ops = golden_ops();
  const auto cases = test::load_golden("seq.txt");
  int checked = 0;
  for (const auto& [name, c] : cases) {
    INFO("case " << name);
    auto op = ops.find(name);
    REQUIRE(op != ops.end());
    Args inputs = test::golden_inputs(c);
    Tensor out = op->second(inputs, c);
    test::require_golden_match(out, c["out"], "out");
    std::vector<Tensor> grads = autograd::grad({out}, inputs, {c["g"]}, std::nullopt, false, /*allow_unused=*/true);
    for (size_t i = 0; i < inputs.size(); ++i) {
      Tensor got = grads[i].defined() ? grads[i] : zeros_like(inputs[i]);
      test::require_golden_match(got, c["grad" + std::to_string(i)], "grad" + std::to_string(i));
    }
    ++checked;
  }
  REQUIRE(checked == int(ops.size()));
}
