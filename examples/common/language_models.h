#pragma once
// The character-level language models of examples/char_gpt.cpp (and of bench/descent_bench.cpp's
// gpt_train, which times the same model): token ids [B, T] in, next-token logits [B, T, V] out.
//
// GPT is nanoGPT's model (Radford et al. 2019's GPT-2 at a small size): token and learned
// position embeddings, n_layer pre-norm blocks x + attn(ln_1(x)), x + mlp(ln_2(x)) of causal
// self-attention and a 4× GELU MLP, a final LayerNorm, and output weights tied to the token
// embedding. As nanoGPT's character-level configuration, no Linear or LayerNorm has a bias, and
// weights start from N(0, 0.02²) (the residual projections from N(0, 0.02²/(2·n_layer))).
// CharLSTM is the recurrent baseline: embedding, a 2-layer LSTM of 2·n_embd units, a Linear head.
#include <cmath>
#include <memory>
#include <vector>

#include <descent/descent.h>

namespace examples {

struct ModelConfig {
  int64_t vocab_size = 65, n_layer = 4, n_head = 4, n_embd = 128, block_size = 64;
  double dropout = 0.0;
};

class LanguageModel : public descent::nn::Module {
 public:
  virtual descent::Tensor forward(const descent::Tensor& idx) = 0;  // int64 [B, T] -> logits [B, T, V]
};

// x: [B, T, C] -> [B, T, C]; each position attends to itself and the positions before it.
class CausalSelfAttention : public descent::nn::Module {
 public:
  explicit CausalSelfAttention(const ModelConfig& c) : n_head(c.n_head), dropout(c.dropout) {
    using descent::nn::Linear;
    c_attn = register_module("c_attn", std::make_shared<Linear>(c.n_embd, 3 * c.n_embd, false));  // q, k, v at once
    c_proj = register_module("c_proj", std::make_shared<Linear>(c.n_embd, c.n_embd, false));
  }
  descent::Tensor forward(const descent::Tensor& x) const {
    using namespace descent;
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), H = n_head;
    Tensor qkv = c_attn->forward(x);  // [B, T, 3C]
    // [B, T, C] -> [B, H, T, C/H]: views, no copy (the matmuls read the strides as they are)
    auto heads = [&](int64_t i) { return qkv.narrow(2, i * C, C).view({B, T, H, C / H}).transpose(1, 2); };
    const double p = is_training() ? dropout : 0.0;
    Tensor y = nn::functional::scaled_dot_product_attention(heads(0), heads(1), heads(2), {}, p, /*is_causal=*/true);
    y = y.transpose(1, 2).reshape({B, T, C});  // heads side by side again
    return descent::dropout(c_proj->forward(y), dropout, is_training());
  }
  int64_t n_head;
  double dropout;
  std::shared_ptr<descent::nn::Linear> c_attn, c_proj;
};

class Block : public descent::nn::Module {
 public:
  explicit Block(const ModelConfig& c) : dropout(c.dropout) {
    using namespace descent::nn;
    ln_1 = register_module("ln_1", std::make_shared<LayerNorm>(LayerNormOptions({c.n_embd}).bias(false)));
    attn = register_module("attn", std::make_shared<CausalSelfAttention>(c));
    ln_2 = register_module("ln_2", std::make_shared<LayerNorm>(LayerNormOptions({c.n_embd}).bias(false)));
    c_fc = register_module("c_fc", std::make_shared<Linear>(c.n_embd, 4 * c.n_embd, false));
    c_proj = register_module("c_proj", std::make_shared<Linear>(4 * c.n_embd, c.n_embd, false));
  }
  descent::Tensor forward(const descent::Tensor& x) const {
    using namespace descent;
    Tensor h = x + attn->forward(ln_1->forward(x));
    return h + descent::dropout(c_proj->forward(gelu(c_fc->forward(ln_2->forward(h)))), dropout, is_training());
  }
  double dropout;
  std::shared_ptr<descent::nn::LayerNorm> ln_1, ln_2;
  std::shared_ptr<CausalSelfAttention> attn;
  std::shared_ptr<descent::nn::Linear> c_fc, c_proj;
};

class GPT : public LanguageModel {
 public:
  explicit GPT(const ModelConfig& c) : config(c) {
    using namespace descent::nn;
    wte = register_module("wte", std::make_shared<Embedding>(c.vocab_size, c.n_embd));
    wpe = register_module("wpe", std::make_shared<Embedding>(c.block_size, c.n_embd));
    for (int64_t i = 0; i < c.n_layer; ++i)
      blocks.push_back(register_module("h" + std::to_string(i), std::make_shared<Block>(c)));
    ln_f = register_module("ln_f", std::make_shared<LayerNorm>(LayerNormOptions({c.n_embd}).bias(false)));
    // nanoGPT's initialization (LayerNorm weights stay 1).
    init::normal_(wte->weight, 0.0, 0.02);
    init::normal_(wpe->weight, 0.0, 0.02);
    for (auto& b : blocks) {
      init::normal_(b->attn->c_attn->weight, 0.0, 0.02);
      init::normal_(b->c_fc->weight, 0.0, 0.02);
      for (auto* proj : {&b->attn->c_proj, &b->c_proj})  // the residual projections: scaled down by depth
        init::normal_((*proj)->weight, 0.0, 0.02 / std::sqrt(2.0 * double(c.n_layer)));
    }
  }
  descent::Tensor forward(const descent::Tensor& idx) override {
    using namespace descent;
    const int64_t T = idx.size(1);
    Tensor x = wte->forward(idx) + wpe->forward(arange(T));  // [B, T, C] + [T, C]
    x = descent::dropout(x, config.dropout, is_training());
    for (auto& b : blocks) x = b->forward(x);
    return linear(ln_f->forward(x), nn::param(wte->weight));  // tied: the logits are x·wteᵀ
  }
  ModelConfig config;
  std::shared_ptr<descent::nn::Embedding> wte, wpe;
  std::vector<std::shared_ptr<Block>> blocks;
  std::shared_ptr<descent::nn::LayerNorm> ln_f;
};

class CharLSTM : public LanguageModel {
 public:
  explicit CharLSTM(const ModelConfig& c) {
    using namespace descent::nn;
    const int64_t hidden = 2 * c.n_embd;
    embedding = register_module("embedding", std::make_shared<Embedding>(c.vocab_size, c.n_embd));
    lstm = register_module("lstm", std::make_shared<LSTM>(
                                       LSTMOptions(c.n_embd, hidden).num_layers(2).batch_first(true).dropout(c.dropout)));
    head = register_module("head", std::make_shared<Linear>(hidden, c.vocab_size));
  }
  descent::Tensor forward(const descent::Tensor& idx) override {
    return head->forward(std::get<0>(lstm->forward(embedding->forward(idx))));
  }
  std::shared_ptr<descent::nn::Embedding> embedding;
  std::shared_ptr<descent::nn::LSTM> lstm;
  std::shared_ptr<descent::nn::Linear> head;
};

}  // namespace examples
