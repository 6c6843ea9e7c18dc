// The sequence-model ops (tril, triu, embedding, layer_norm, masked_softmax, attention, the LSTM
// cell and the LSTM and GRU layers) against central finite differences in float64, their second
// derivatives where they claim them, multinomial's draws, and every kind of misuse refused with
// a message naming the op and the shapes. Values against PyTorch: tests/nn/test_golden_seq.cpp.
#include <cmath>
#include <map>

#include "helpers.h"

using namespace descent;
using autograd::gradcheck;
using autograd::gradgradcheck;
using Args = std::vector<Tensor>;
using test::leaf;
namespace F = descent::nn::functional;
using Catch::Contains;

TEST_CASE("tril and triu match finite differences, twice") {
  manual_seed(1);
  Tensor a = leaf({2, 4, 5}), sq = leaf({2, 4, 4});
  for (int64_t k : {-1, 0, 2}) {
    REQUIRE(gradcheck([k](const Args& x) { return tril(x[0], k) * 1.5 + triu(x[0], k); }, {a}));
    REQUIRE(gradcheck([k](const Args& x) { return tril(x[0].transpose(1, 2), k) - triu(x[0], k); }, {sq}));
    REQUIRE(gradgradcheck([k](const Args& x) { return tril(x[0] * x[0], k) + triu(x[0], k); }, {a}));
  }
  // the values: a causal mask is tril of ones
  REQUIRE(tril(ones({3, 3})).to_vector<float>() == std::vector<float>{1, 0, 0, 1, 1, 0, 1, 1, 1});
  REQUIRE(triu(ones({2, 3}), 1).to_vector<float>() == std::vector<float>{0, 1, 1, 0, 0, 1});
}

TEST_CASE("embedding's gradient adds every use of a row into that row") {
  manual_seed(2);
  Tensor w = leaf({5, 3});
  Tensor idx = tensor({4, 1, 1, 0, 1, 4}, {2, 3}, kInt64);
  REQUIRE(gradcheck([idx](const Args& x) { return embedding(x[0], idx); }, {w}));
  REQUIRE(gradgradcheck([idx](const Args& x) { return embedding(x[0] * x[0], idx); }, {w}));
  Tensor out = embedding(w, idx);
  REQUIRE(out.sizes() == Dims{2, 3, 3});
  out.sum().backward();
  // row 1 is used three times, row 4 twice, row 0 once, rows 2 and 3 never
  std::vector<double> g = w.grad().to_vector<double>();
  const double uses[] = {1, 3, 0, 0, 2};
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 3; ++c) REQUIRE(g[size_t(r * 3 + c)] == uses[r]);
}

TEST_CASE("layer_norm matches finite differences, twice, with and without affine parameters") {
  manual_seed(3);
  Tensor x = leaf({3, 2, 5}), w = (rand({5}, kFloat64) + 0.5).requires_grad_(), b = leaf({5});
  Tensor w2 = (rand({2, 5}, kFloat64) + 0.5).requires_grad_();
  REQUIRE(gradcheck([](const Args& a) { return layer_norm(a[0], {5}, a[1], a[2]); }, {x, w, b}));
  REQUIRE(gradcheck([](const Args& a) { return layer_norm(a[0], {2, 5}, a[1], {}, 1e-3); }, {x, w2}));
  REQUIRE(gradcheck([](const Args& a) { return layer_norm(a[0].transpose(0, 1), {5}); }, {x}));  // strided input
  REQUIRE(gradgradcheck([](const Args& a) { return layer_norm(a[0], {5}, a[1], a[2]); }, {x, w, b}));
  REQUIRE(gradgradcheck([](const Args& a) { return layer_norm(a[0], {2, 5}); }, {x}));
  // normalized rows: mean 0 and (biased) variance 1 − eps-ish
  Tensor y = layer_norm(randn({4, 7}, kFloat64) * 3.0 + 2.0, {7}, {}, {}, 0.0);
  std::vector<double> m = y.mean({1}).to_vector<double>(), v = (y * y).mean({1}).to_vector<double>();
  for (int r = 0; r < 4; ++r) {
    REQUIRE(std::fabs(m[size_t(r)]) < 1e-12);
    REQUIRE(std::fabs(v[size_t(r)] - 1.0) < 1e-12);
  }
}

TEST_CASE("masked_softmax matches finite differences for the scores and an additive mask, twice") {
  manual_seed(4);
  Tensor s = leaf({2, 4, 5}), mask = leaf({4, 5}), col = leaf({5});
  REQUIRE(gradcheck([](const Args& a) { return masked_softmax(a[0], a[1], 0.7); }, {s, mask}));
  REQUIRE(gradcheck([](const Args& a) { return masked_softmax(a[0], a[1], 1.3, true); }, {s, col}));
  REQUIRE(gradcheck([](const Args& a) { return masked_softmax(a[0].transpose(1, 2), {}, 2.0, true); }, {s}));
  REQUIRE(gradgradcheck([](const Args& a) { return masked_softmax(a[0], a[1], 0.7, true); }, {s, mask}));
  // is_causal equals softmax of the scaled scores with −inf above the diagonal
  Tensor scores = randn({3, 4, 4}, kFloat64);
  Tensor causal = masked_softmax(scores, {}, 0.5, true);
  Tensor above = logical_not(tril(ones({4, 4}, kBool)));
  Tensor reference = softmax(masked_fill(scores * 0.5, above, -INFINITY), -1);
  REQUIRE(test::relative_error(causal, reference) < 1e-14);
  // a row whose keys are all masked is NaN, as in torch
  Tensor all_masked = full({1, 3}, -INFINITY, kFloat64);
  REQUIRE(std::isnan(masked_softmax(randn({2, 3}, kFloat64), all_masked).to_vector<double>()[0]));
}

TEST_CASE("scaled_dot_product_attention matches finite differences, twice, with every kind of mask") {
  manual_seed(5);
  Tensor q = leaf({2, 3, 4, 6}), k = leaf({2, 3, 5, 6}), v = leaf({2, 3, 5, 2});
  Tensor allowed = rand({4, 5}) > 0.3;
  allowed = where(tensor({1, 0, 0, 0, 0}, {5}, kBool), ones({4, 5}, kBool), allowed);  // key 0 always allowed
  Tensor bias = leaf({1, 4, 5});
  REQUIRE(gradcheck([](const Args& a) { return F::scaled_dot_product_attention(a[0], a[1], a[2]); }, {q, k, v}));
  REQUIRE(gradcheck([](const Args& a) { return F::scaled_dot_product_attention(a[0], a[1], a[2], {}, 0.0, true); },
                    {q, k, v}));
  REQUIRE(gradcheck([allowed](const Args& a) { return F::scaled_dot_product_attention(a[0], a[1], a[2], allowed); },
                    {q, k, v}));
  REQUIRE(gradcheck([](const Args& a) { return F::scaled_dot_product_attention(a[0], a[1], a[2], a[3]); },
                    {q, k, v, bias}));
  REQUIRE(gradgradcheck([](const Args& a) { return F::scaled_dot_product_attention(a[0], a[1], a[2], {}, 0.0, true); },
                        {q, k, v}));
  REQUIRE(gradgradcheck([](const Args& a) { return F::scaled_dot_product_attention(a[0], a[1], a[2], a[3]); },
                        {q, k, v, bias}));
}

TEST_CASE("MultiheadAttention matches finite differences for its inputs and parameters") {
  manual_seed(6);
  nn::MultiheadAttention mha(6, 2);
  mha.to(kFloat64);
  Tensor q = leaf({3, 2, 6}), kv = leaf({4, 2, 6});
  Tensor padded = tensor({0, 0, 1, 0, 0, 0, 0, 1}, {2, 4}, kBool);
  auto params = mha.named_parameters();
  Args inputs = {q, kv};
  for (auto& [name, p] : params) inputs.push_back(p);
  REQUIRE(gradcheck([&](const Args& a) {
    nn::NamedTensors given = params;
    for (size_t i = 0; i < given.size(); ++i) given[i].second = a[2 + i];
    auto [out, w] = nn::functional_call(mha, given, a[0], a[1], a[1], padded);
    return out.sum() + (w * w).sum();
  }, inputs));
}

TEST_CASE("lstm_cell matches finite differences, twice") {
  manual_seed(7);
  Tensor x = leaf({3, 4}), h = leaf({3, 5}), c = leaf({3, 5});
  Tensor wi = (randn({20, 4}, kFloat64) * 0.5).requires_grad_(), wh = (randn({20, 5}, kFloat64) * 0.5).requires_grad_();
  Tensor bi = leaf({20}), bh = leaf({20});
  auto both = [](const Args& a) {
    auto [h1, c1] = lstm_cell(a[0], {a[1], a[2]}, a[3], a[4], a[5], a[6]);
    return cat({h1, c1 * 0.5}, 1);
  };
  REQUIRE(gradcheck(both, {x, h, c, wi, wh, bi, bh}));
  REQUIRE(gradgradcheck(both, {x, h, c, wi, wh, bi, bh}));
  // second order without biases, through two steps
  REQUIRE(gradgradcheck([](const Args& a) {
    auto [h1, c1] = lstm_cell(a[0], {a[1], a[2]}, a[3], a[4]);
    auto [h2, c2] = lstm_cell(a[0], {h1, c1}, a[3], a[4]);
    return h2;
  }, {x, h, c, wi, wh}));
}

TEST_CASE("lstm_layer and gru_layer match finite differences and a loop of cells") {
  manual_seed(8);
  const int64_t T = 4, B = 2, H = 3;
  Tensor xg = leaf({T, B, 4 * H}), wh = leaf({4 * H, H}), h0 = leaf({B, H}), c0 = leaf({B, H});
  auto packed = [](const std::tuple<Tensor, Tensor, Tensor>& r) {
    return cat({reshape(std::get<0>(r), {-1}), reshape(std::get<1>(r), {-1}) * 2.0, reshape(std::get<2>(r), {-1})});
  };
  REQUIRE(gradcheck([&](const Args& a) { return packed(lstm_layer(a[0], a[1], a[2], a[3])); }, {xg, wh, h0, c0}));
  REQUIRE(gradcheck([&](const Args& a) { return packed(lstm_layer(a[0], a[1])); }, {xg, wh}));
  // the layer equals lstm_cell applied step by step (x_gates as the input, W_ih = identity)
  auto [out, h_n, c_n] = lstm_layer(xg, wh, h0, c0);
  Tensor h = h0, c = c0, eye_ih = eye(4 * H, kFloat64);
  for (int64_t t = 0; t < T; ++t) {
    std::tie(h, c) = lstm_cell(xg.select(0, t), {h, c}, eye_ih, wh);
    REQUIRE(test::relative_error(out.select(0, t), h) < 1e-14);
  }
  REQUIRE(test::relative_error(c_n, c) < 1e-14);

  Tensor gx = leaf({T, B, 3 * H}), gw = leaf({3 * H, H}), gb = leaf({3 * H});
  auto gru_packed = [](const std::tuple<Tensor, Tensor>& r) {
    return cat({reshape(std::get<0>(r), {-1}), reshape(std::get<1>(r), {-1}) * 2.0});
  };
  REQUIRE(gradcheck([&](const Args& a) { return gru_packed(gru_layer(a[0], a[1], a[2], a[3])); }, {gx, gw, gb, h0}));
  REQUIRE(gradcheck([&](const Args& a) { return gru_packed(gru_layer(a[0], a[1])); }, {gx, gw}));
}

TEST_CASE("a whole recurrent layer refuses second-order gradients with a message") {
  manual_seed(9);
  Tensor xg = leaf({2, 1, 8}), wh = leaf({8, 2});
  Tensor out = std::get<0>(lstm_layer(xg, wh));
  REQUIRE_THROWS_WITH(autograd::grad({out.sum()}, {xg}, {}, std::nullopt, /*create_graph=*/true),
                      Contains("lstm_layer: no second-order gradients") && Contains("lstm_cell"));
}

TEST_CASE("nn::LSTM and nn::GRU match finite differences through two layers, dropout off") {
  manual_seed(10);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).batch_first(true));
  nn::GRU gru(nn::GRUOptions(3, 4).num_layers(2));
  lstm.to(kFloat64);
  gru.to(kFloat64);
  Tensor x = leaf({2, 5, 3});
  REQUIRE(gradcheck([&](const Args& a) {
    auto [out, hc] = lstm.forward(a[0]);
    return out.sum() + std::get<1>(hc).sum();
  }, {x}));
  REQUIRE(gradcheck([&](const Args& a) { return std::get<0>(gru.forward(a[0])); }, {x}));
  REQUIRE(lstm.named_parameters().size() == 8);
  REQUIRE(lstm.named_parameters()[4].first == "weight_ih_l1");
  REQUIRE(lstm.weight_ih[1].sizes() == Dims{16, 4});
}

TEST_CASE("multinomial draws in proportion to the weights, reproducibly") {
  manual_seed(11);
  Tensor probs = tensor({1.0, 0.0, 3.0, 6.0}, {4});
  const int64_t n = 20000;
  std::vector<int64_t> draws = multinomial(probs, n, true).to_vector<int64_t>();
  std::map<int64_t, int64_t> count;
  for (int64_t d : draws) ++count[d];
  REQUIRE(count[1] == 0);  // a zero weight is never drawn
  for (auto [category, expected] : std::map<int64_t, double>{{0, 0.1}, {2, 0.3}, {3, 0.6}}) {
    const double p = double(count[category]) / double(n), sigma = std::sqrt(expected * (1 - expected) / double(n));
    INFO("category " << category << " drawn with frequency " << p);
    REQUIRE(std::fabs(p - expected) < 5 * sigma);
  }
  // without replacement: distinct categories, never one of weight 0
  Tensor rows = tensor({0.2, 0.0, 0.5, 0.3, 1.0, 1.0, 1.0, 0.0}, {2, 4});
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<int64_t> d = multinomial(rows, 3).to_vector<int64_t>();
    REQUIRE(d.size() == 6);
    for (int r = 0; r < 2; ++r) {
      std::vector<int64_t> row(d.begin() + 3 * r, d.begin() + 3 * r + 3);
      std::sort(row.begin(), row.end());
      REQUIRE(row == (r == 0 ? std::vector<int64_t>{0, 2, 3} : std::vector<int64_t>{0, 1, 2}));
    }
  }
  // the same seed gives the same draws, on one thread or two
  set_num_threads(1);
  manual_seed(3);
  std::vector<int64_t> a = multinomial(rows, 2, true).to_vector<int64_t>();
  set_num_threads(2);
  manual_seed(3);
  REQUIRE(multinomial(rows, 2, true).to_vector<int64_t>() == a);
}

TEST_CASE("the sequence ops refuse misuse with messages naming the op and the shapes") {
  Tensor w = randn({5, 3}), idx = tensor({0, 4}, {2}, kInt64);
  REQUIRE_THROWS_WITH(embedding(w, tensor({0.0, 1.0})), "embedding: indices must be int64, got float32 (shape [2])");
  REQUIRE_THROWS_WITH(embedding(w, tensor({0, 5}, {2}, kInt64)),
                      "embedding: index 5 is out of range for 5 embeddings (weight [5, 3])");
  REQUIRE_THROWS_WITH(embedding(w, tensor({-1}, {1}, kInt64)), Contains("index -1 is out of range"));
  REQUIRE_THROWS_WITH(embedding(randn({5}), idx), "embedding: weight must be [num_embeddings, embedding_dim], got [5]");
  REQUIRE_THROWS_WITH(nn::Embedding(5, 3).forward(tensor({7}, {1}, kInt64)), Contains("index 7 is out of range"));

  REQUIRE_THROWS_WITH(layer_norm(randn({4, 6}), {5}), "layer_norm: expected an input of shape [*, 5] (the normalized "
                                                      "shape), got [4, 6]");
  REQUIRE_THROWS_WITH(layer_norm(randn({4, 6}), {6}, ones({5})), "layer_norm: weight must have the normalized shape [6], "
                                                               "got [5]");
  REQUIRE_THROWS_WITH(layer_norm(randn({4, 6}), {6}, ones({6}, kFloat64)), Contains("dtype mismatch"));
  REQUIRE_THROWS_WITH(layer_norm(tensor({1, 2}, {2}, kInt64), {2}), Contains("expected a floating-point input"));

  REQUIRE_THROWS_WITH(tril(randn({3})), "tril: expected a tensor of at least 2 dims (matrices in the last two), got [3]");
  REQUIRE_THROWS_WITH(triu(randn({3})), Contains("triu: expected a tensor of at least 2 dims"));

  REQUIRE_THROWS_WITH(multinomial(tensor({0.5, -0.1}), 1), Contains("multinomial: probabilities must be finite and >= 0"));
  REQUIRE_THROWS_WITH(multinomial(tensor({0.0, 0.0}), 1), "multinomial: row 0 of the probabilities sums to 0");
  REQUIRE_THROWS_WITH(multinomial(tensor({1.0, 2.0}), 3), "multinomial: cannot draw 3 samples without replacement "
                                                         "from 2 categories");
  REQUIRE_THROWS_WITH(multinomial(tensor({1.0, 0.0, 2.0}), 3), Contains("has 2 categories of nonzero probability"));
  REQUIRE_THROWS_WITH(multinomial(tensor({1, 2}, {2}, kInt64), 1), Contains("expected floating-point probabilities"));
  REQUIRE_THROWS_WITH(multinomial(randn({2, 2, 2}).abs(), 1), Contains("expected probabilities [C] or [R, C], got [2, 2, 2]"));

  Tensor s = randn({2, 4, 5});
  REQUIRE_THROWS_WITH(masked_softmax(s, ones({4, 5}, kBool)), Contains("masked_softmax: the mask is added to the scores, "
                                                                      "so it must have their dtype (float32), got bool"));
  REQUIRE_THROWS_WITH(masked_softmax(s, zeros({4, 4})), "masked_softmax: mask of shape [4, 4] cannot be broadcast to the "
                                                       "scores' shape [2, 4, 5]");
  REQUIRE_THROWS_WITH(masked_softmax(randn({5}), {}, 1.0, true), Contains("expected scores [.., L, S] (is_causal)"));

  Tensor q = randn({2, 4, 6}), k = randn({2, 5, 6}), v = randn({2, 5, 3});
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, randn({2, 5, 7}), v),
                      "scaled_dot_product_attention: query and key must have the same feature size E, got query "
                      "[2, 4, 6] and key [2, 5, 7]");
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, k, randn({2, 4, 3})), Contains("key and value must hold the same"));
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, k, v, ones({4, 4}, kBool)),
                      "scaled_dot_product_attention: attn_mask of shape [4, 4] cannot be broadcast to the attention "
                      "weights' shape [2, 4, 5]");
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, k, v, ones({4, 5}, kBool), 0.0, true),
                      Contains("give attn_mask or is_causal, not both"));
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, k, v, ones({4, 5}, kInt64)),
                      Contains("attn_mask must be bool or float32"));

  nn::MultiheadAttention mha(6, 2);
  Tensor x = randn({4, 2, 6});
  REQUIRE_THROWS_WITH(mha.forward(x, x, x, ones({2, 3}, kBool)), "MultiheadAttention: expected key_padding_mask [2, 4] "
                                                                 "(N, S), got [2, 3]");
  REQUIRE_THROWS_WITH(mha.forward(x, x, x, {}, true, ones({4, 3}, kBool)),
                      "MultiheadAttention: expected attn_mask [4, 4] or [4, 4, 4] (N·num_heads, L, S), got [4, 3]");
  REQUIRE_THROWS_WITH(mha.forward(randn({4, 2, 5}), x, x), Contains("MultiheadAttention: expected query [L, N, 6]"));
  REQUIRE_THROWS_WITH(mha.forward(x, x, x, ones({2, 4}, kInt64)), Contains("key_padding_mask must be bool or float32"));
  REQUIRE_THROWS_WITH(nn::MultiheadAttention(6, 4), "MultiheadAttention: embed_dim 6 is not divisible by num_heads 4");

  Tensor xi = randn({3, 4}), h = randn({3, 5}), c = randn({3, 5});
  REQUIRE_THROWS_WITH(lstm_cell(xi, {h, c}, randn({20, 3}), randn({20, 5})), "lstm_cell: w_ih must have shape [20, 4], "
                                                                              "got [20, 3]");
  REQUIRE_THROWS_WITH(lstm_cell(xi, {randn({2, 5}), c}, randn({20, 4}), randn({20, 5})),
                      "lstm_cell: hx must have shape [3, 5], got [2, 5]");
  REQUIRE_THROWS_WITH(lstm_cell(xi, {h, c}, randn({20, 4}), randn({20, 4})), Contains("lstm_cell: w_hh must be"));
  REQUIRE_THROWS_WITH(lstm_layer(randn({0, 2, 8}), randn({8, 2})), Contains("at least one step"));
  REQUIRE_THROWS_WITH(lstm_layer(randn({3, 2, 8}), randn({8, 2}), randn({3, 2})), "lstm_layer: h0 must have shape [2, 2], "
                                                                                  "got [3, 2]");
  REQUIRE_THROWS_WITH(gru_layer(randn({3, 2, 8}), randn({6, 2})), "gru_layer: expected x_gates [T, B, 6] for w_hh [6, 2], "
                                                                 "got [3, 2, 8]");

  nn::LSTM lstm(nn::LSTMOptions(4, 5).num_layers(2));
  REQUIRE_THROWS_WITH(lstm.forward(randn({3, 2, 3})), "LSTM: expected input_size 4 in the last dim, got input [3, 2, 3]");
  REQUIRE_THROWS_WITH(lstm.forward(randn({3, 2, 4}), {randn({1, 2, 5}), randn({1, 2, 5})}),
                      "LSTM: expected h0 of shape [2, 2, 5], got [1, 2, 5]");
  REQUIRE_THROWS_WITH(lstm.forward(randn({3, 2, 4}), {randn({2, 2, 5}), Tensor()}), "LSTM: give both h0 and c0, or neither");
  REQUIRE_THROWS_WITH(nn::GRU(nn::GRUOptions(4, 5)).forward(randn({3})), Contains("GRU: expected an input [T, B, input_size]"));
}
