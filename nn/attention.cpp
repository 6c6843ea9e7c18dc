// scaled_dot_product_attention and nn::MultiheadAttention (see attention.h).
//
// Shapes:  L queries, S keys, E features per query/key, N sequences, H heads of D = E/H features
#include "nn/attention.h"

#include <cmath>
#include <limits>
#include <ostream>

#include "autograd/ops.h"
#include "nn/functional_call.h"
#include "nn/init.h"
#include "tensor/check.h"

namespace descent::nn {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A mask as the float tensor masked_softmax adds: bool `blocked` -> −inf where blocked, else 0.
Tensor additive(const Tensor& blocked, Dtype dtype) {
  return masked_fill(zeros(blocked.sizes(), dtype), blocked, -kInf);
}

void check_mask_dtype(const Tensor& mask, const Tensor& query, const char* op, const char* what) {
  CHECK(mask.dtype() == kBool || mask.dtype() == query.dtype(), op, ": ", what, " must be bool or ",
        dtype_name(query.dtype()), " (the query's dtype), got ", dtype_name(mask.dtype()));
}

}  // namespace

// softmax(q·kᵀ/√E + mask)·v; the gradient is the ops' (matmul, masked_softmax, matmul).
Tensor functional::scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                                const Tensor& attn_mask, double dropout_p, bool is_causal) {
  const char* op = "scaled_dot_product_attention";
  for (const Tensor* t : {&query, &key, &value}) CHECK(t->defined(), op, ": got an undefined tensor");
  CHECK(is_floating(query.dtype()) && key.dtype() == query.dtype() && value.dtype() == query.dtype(), op,
        ": query, key and value must share one floating-point dtype, got ", dtype_name(query.dtype()), ", ",
        dtype_name(key.dtype()), " and ", dtype_name(value.dtype()));
  CHECK(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2, op, ": expected query [.., L, E], key [.., S, E] ",
        "and value [.., S, Ev], got ", query.sizes(), ", ", key.sizes(), " and ", value.sizes());
  CHECK(key.sizes().back() == query.sizes().back(), op, ": query and key must have the same feature size E, got ",
        "query ", query.sizes(), " and key ", key.sizes());
  CHECK(key.size(-2) == value.size(-2), op, ": key and value must hold the same number of keys S, got key ",
        key.sizes(), " and value ", value.sizes());
  CHECK(!(is_causal && attn_mask.defined()), op, ": give attn_mask or is_causal, not both");
  CHECK(dropout_p >= 0 && dropout_p <= 1, op, ": dropout_p must be in [0, 1], got ", dropout_p);
  Tensor scores = matmul(query, transpose(key, -2, -1));  // [.., L, S]
  Tensor mask;
  if (attn_mask.defined()) {
    check_mask_dtype(attn_mask, query, op, "attn_mask");
    CHECK(is_expandable_to(attn_mask.sizes(), scores.sizes()), op, ": attn_mask of shape ", attn_mask.sizes(),
          " cannot be broadcast to the attention weights' shape ", scores.sizes());
    // torch 2's convention: true means "may attend".
    mask = attn_mask.dtype() == kBool ? additive(logical_not(attn_mask), query.dtype()) : attn_mask;
  }
  Tensor weights = masked_softmax(scores, mask, 1.0 / std::sqrt(double(query.sizes().back())), is_causal);
  if (dropout_p > 0) weights = dropout(weights, dropout_p, true);
  return matmul(weights, value);
}

MultiheadAttention::MultiheadAttention(const MultiheadAttentionOptions& options_) : options(options_) {
  const int64_t E = options.embed_dim(), H = options.num_heads();
  CHECK(E > 0 && H > 0, "MultiheadAttention: embed_dim and num_heads must be positive, got ", E, " and ", H);
  CHECK(E % H == 0, "MultiheadAttention: embed_dim ", E, " is not divisible by num_heads ", H);
  CHECK(options.dropout() >= 0 && options.dropout() <= 1, "MultiheadAttention: dropout must be in [0, 1], got ",
        options.dropout());
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * E, E}));
  in_proj_bias = register_parameter("in_proj_bias", options.bias() ? empty({3 * E}) : Tensor());
  out_proj = register_module("out_proj", std::make_shared<Linear>(E, E, options.bias()));
  reset_parameters();
}

void MultiheadAttention::reset_parameters() {
  init::xavier_uniform_(in_proj_weight);
  if (in_proj_bias.defined()) init::zeros_(in_proj_bias);
  if (out_proj->bias.defined()) init::zeros_(out_proj->bias);
}

std::tuple<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                       const Tensor& key_padding_mask, bool need_weights,
                                                       const Tensor& attn_mask, bool average_attn_weights) const {
  const char* op = "MultiheadAttention";
  const int64_t E = options.embed_dim(), H = options.num_heads(), D = E / H;
  for (const Tensor* t : {&query, &key, &value}) CHECK(t->defined(), op, ": got an undefined tensor");
  const bool unbatched = query.dim() == 2;
  CHECK((query.dim() == 3 || unbatched) && key.dim() == query.dim() && value.dim() == query.dim(), op,
        ": expected query [L, N, E], key and value [S, N, E] (or [L, E], [S, E] unbatched), got ", query.sizes(),
        ", ", key.sizes(), " and ", value.sizes());
  const Tensor q = unbatched ? unsqueeze(query, 1) : query;
  const Tensor k = unbatched ? unsqueeze(key, 1) : key;
  const Tensor v = unbatched ? unsqueeze(value, 1) : value;
  const int64_t L = q.sizes()[0], N = q.sizes()[1], S = k.sizes()[0];
  const Dims kv_shape{S, N, E};
  CHECK(q.sizes()[2] == E && k.sizes() == kv_shape && v.sizes() == kv_shape, op,
        ": expected query [L, N, ", E, "] and key, value [S, N, ", E, "] (embed_dim ", E, "), got ", query.sizes(),
        ", ", key.sizes(), " and ", value.sizes());

  // Projections: rows [0, E) of in_proj_weight make the queries, [E, 2E) the keys, [2E, 3E) the values.
  const Tensor w = param(in_proj_weight), b = param(in_proj_bias);
  Tensor qp, kp, vp;
  if (query.impl() == key.impl() && key.impl() == value.impl()) {  // self-attention: one GEMM
    Tensor qkv = linear(q, w, b);
    qp = narrow(qkv, 2, 0, E), kp = narrow(qkv, 2, E, E), vp = narrow(qkv, 2, 2 * E, E);
  } else {
    auto part = [&](const Tensor& t, int64_t i) { return t.defined() ? narrow(t, 0, i * E, E) : Tensor(); };
    qp = linear(q, part(w, 0), part(b, 0));
    kp = linear(k, part(w, 1), part(b, 1));
    vp = linear(v, part(w, 2), part(b, 2));
  }
  // Heads: [L, N, E] -> [L, N·H, D] -> [N·H, L, D], one batch entry per (sequence, head).
  auto heads = [&](const Tensor& t, int64_t len) { return transpose(reshape(t, {len, N * H, D}), 0, 1); };
  const Tensor qh = heads(qp, L), kh = heads(kp, S), vh = heads(vp, S);

  // Masks, merged into one float tensor added to the scores (−inf where not allowed).
  Tensor mask;
  if (attn_mask.defined()) {
    check_mask_dtype(attn_mask, query, op, "attn_mask");
    const Dims shared{L, S}, per_head{N * H, L, S};
    CHECK(attn_mask.sizes() == shared || attn_mask.sizes() == per_head, op, ": expected attn_mask ", shared, " or ",
          per_head, " (N·num_heads, L, S), got ", attn_mask.sizes());
    mask = attn_mask.dtype() == kBool ? additive(attn_mask, query.dtype()) : attn_mask;
  }
  if (key_padding_mask.defined()) {
    check_mask_dtype(key_padding_mask, query, op, "key_padding_mask");
    const Tensor kpm = unbatched ? unsqueeze(key_padding_mask, 0) : key_padding_mask;
    const Dims expected{N, S};
    CHECK(kpm.sizes() == expected, op, ": expected key_padding_mask ", expected, " (N, S), got ",
          key_padding_mask.sizes());
    Tensor padding = kpm.dtype() == kBool ? additive(kpm, query.dtype()) : kpm;
    padding = reshape(expand(reshape(padding, {N, 1, 1, S}), {N, H, 1, S}), {N * H, 1, S});
    mask = mask.defined() ? mask + padding : padding;
  }

  Tensor scores = matmul(qh, transpose(kh, 1, 2));  // [N·H, L, S]
  Tensor weights = masked_softmax(scores, mask, 1.0 / std::sqrt(double(D)));
  if (options.dropout() > 0 && is_training()) weights = dropout(weights, options.dropout(), true);
  Tensor out = reshape(transpose(matmul(weights, vh), 0, 1), {L, N, E});  // heads side by side again
  out = out_proj->forward(out);
  Tensor averaged;
  if (need_weights) {
    averaged = reshape(weights, {N, H, L, S});
    if (average_attn_weights) averaged = mean(averaged, {1});
    if (unbatched) averaged = squeeze(averaged, 0);
  }
  return {unbatched ? squeeze(out, 1) : out, averaged};
}

void MultiheadAttention::pretty_print(std::ostream& os) const {
  os << "MultiheadAttention(embed_dim=" << options.embed_dim() << ", num_heads=" << options.num_heads();
  if (options.dropout() != 0) os << ", dropout=" << options.dropout();
  if (!options.bias()) os << ", bias=false";
  os << ")";
}

}  // namespace descent::nn
