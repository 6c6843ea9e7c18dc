#pragma once
// Attention. scaled_dot_product_attention (torch 2's torch.nn.functional one) is the core:
// softmax(q·kᵀ/√E + mask)·v as two batched matmuls around one fused masked softmax
// (descent::masked_softmax, autograd/ops/attention.cpp). nn::MultiheadAttention is torch's
// module around it: one projection of the inputs into num_heads heads of E/num_heads numbers,
// attention per head, and one output projection.
//
// Masks, as torch spells them (two conventions, so read carefully):
//   scaled_dot_product_attention: a bool attn_mask is true where attention is ALLOWED; a float
//     mask is added to the scores. is_causal lets query i see keys j <= i, with no mask tensor.
//   MultiheadAttention: a bool attn_mask or key_padding_mask is true where attention is NOT
//     allowed (a padded key); a float one is added.
// A query that may see no key at all gets NaN, as in torch.
#include <tuple>

#include "nn/linear.h"
#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

namespace functional {
// query: [.., L, E]  key: [.., S, E]  value: [.., S, Ev] (leading dims broadcast)  ->  [.., L, Ev]
// attn_mask: bool or float, broadcastable to [.., L, S]; not together with is_causal.
// dropout_p > 0 drops attention weights (always: this function has no training flag, as torch's).
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0, bool is_causal = false);
}  // namespace functional

struct MultiheadAttentionOptions {
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  DESCENT_ARG(int64_t, embed_dim);
  DESCENT_ARG(int64_t, num_heads);
  DESCENT_ARG(double, dropout) = 0.0;  // on the attention weights, in training
  DESCENT_ARG(bool, bias) = true;      // in_proj_bias and out_proj's bias
};

// Inputs [L, N, E] (query) and [S, N, E] (key, value), as libtorch's default (sequence first),
// or [L, E] and [S, E] for one unbatched sequence. Self-attention when query, key and value are
// one tensor (one GEMM projects all three); otherwise cross-attention.
//   in_proj_weight [3E, E] (rows: query's, key's, value's projection), in_proj_bias [3E],
//   out_proj: Linear(E, E). Initialized as torch: Xavier-uniform in_proj_weight, zero biases.
class MultiheadAttention : public Module {
 public:
  explicit MultiheadAttention(const MultiheadAttentionOptions& options);
  MultiheadAttention(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttention(MultiheadAttentionOptions(embed_dim, num_heads)) {}

  // Returns (output [L, N, E], weights): the attention weights averaged over the heads [N, L, S]
  // (or per head [N, num_heads, L, S]) when need_weights, else undefined.
  //   key_padding_mask: [N, S] (bool: true = ignore that key; or float, added)
  //   attn_mask: [L, S] or [N·num_heads, L, S] (bool: true = not allowed; or float, added)
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {}, bool average_attn_weights = true) const;
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;

  MultiheadAttentionOptions options;
  Tensor in_proj_weight, in_proj_bias;
  std::shared_ptr<Linear> out_proj;
};

}  // namespace descent::nn
