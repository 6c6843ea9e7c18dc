// Layers and losses against PyTorch (tools/golden_nn.py wrote tests/golden/nn.txt): for each
// case, out = f(x0, x1, ..., i0, ...) and grad_k = d Σ(out·g) / d x_k, all in float64, must agree
// to max|got − want| / max(max|want|, 1e-12) < 1e-10. Batch norm also compares its running
// statistics after several training steps and its output (and input gradient) in evaluation
// mode, with and without affine parameters and running statistics.
#include "helpers.h"

using namespace descent;
namespace F = descent::nn::functional;
using Args = std::vector<Tensor>;
using Op = std::function<Tensor(const Args& x, const test::GoldenCase& c)>;

namespace {

Reduction reduction_named(const std::string& case_name) {
  if (case_name.ends_with("_sum")) return kSum;
  if (case_name.ends_with("_none")) return kNone;
  return kMean;
}

std::map<std::string, Op> golden_ops() {
  std::map<std::string, Op> ops = {
      {"conv2d", [](const Args& x, auto&) { return conv2d(x[0], x[1], x[2]); }},
      {"conv2d_stride2_pad1_dil2", [](const Args& x, auto&) { return conv2d(x[0], x[1], x[2], {2}, {1}, {2}); }},
      {"conv2d_asymmetric", [](const Args& x, auto&) { return conv2d(x[0], x[1], x[2], {2, 1}, {1, 0}, {1, 2}); }},
      {"conv2d_pointwise_nobias", [](const Args& x, auto&) { return conv2d(x[0], x[1]); }},
      {"conv2d_batch9", [](const Args& x, auto&) { return conv2d(x[0], x[1], x[2], {1}, {1}); }},
      {"max_pool2d_2", [](const Args& x, auto&) { return max_pool2d(x[0], {2}); }},
      {"max_pool2d_3_s2_p1", [](const Args& x, auto&) { return max_pool2d(x[0], {3}, {2}, {1}); }},
      {"max_pool2d_k32_s12", [](const Args& x, auto&) { return max_pool2d(x[0], {3, 2}, {1, 2}); }},
      {"avg_pool2d_2", [](const Args& x, auto&) { return avg_pool2d(x[0], {2}); }},
      {"avg_pool2d_3_s2_p1", [](const Args& x, auto&) { return avg_pool2d(x[0], {3}, {2}, {1}); }},
      {"avg_pool2d_3_s2_p1_exclude_pad", [](const Args& x, auto&) { return avg_pool2d(x[0], {3}, {2}, {1}, false); }},
      {"batch_norm2d_train", [](const Args& x, auto&) { return batch_norm(x[0], x[1], x[2], {}, {}, true, 0.1, 1e-5); }},
      {"batch_norm1d_train", [](const Args& x, auto&) { return batch_norm(x[0], x[1], x[2], {}, {}, true, 0.1, 1e-3); }},
      {"batch_norm1d_train_3d_noaffine", [](const Args& x, auto&) { return batch_norm(x[0], {}, {}, {}, {}, true, 0.1, 1e-5); }},
      {"cross_entropy_smooth_mean",
       [](const Args& x, auto& c) { return F::cross_entropy(x[0], c["i0"], F::CrossEntropyFuncOptions().label_smoothing(0.1)); }},
      {"cross_entropy_ignore3_mean",
       [](const Args& x, auto& c) { return F::cross_entropy(x[0], c["i0"], F::CrossEntropyFuncOptions().ignore_index(3)); }},
      {"cross_entropy_kdim_smooth_ignore_mean",
       [](const Args& x, auto& c) { return F::cross_entropy(x[0], c["i0"], F::CrossEntropyFuncOptions().label_smoothing(0.3)); }},
      {"cross_entropy_kdim_none",
       [](const Args& x, auto& c) { return F::cross_entropy(x[0], c["i0"], F::CrossEntropyFuncOptions().reduction(kNone)); }},
      {"nll_loss_kdim_mean", [](const Args& x, auto& c) { return F::nll_loss(x[0], c["i0"]); }},
      {"multi_margin_p2_margin05",
       [](const Args& x, auto& c) { return F::multi_margin_loss(x[0], c["i0"], F::MultiMarginLossFuncOptions().p(2).margin(0.5)); }},
      {"bce_with_logits_large", [](const Args& x, auto&) { return F::binary_cross_entropy_with_logits(x[0], x[1]); }},
  };
  // The loss cases that differ only by their reduction, through the modules.
  for (const char* r : {"mean", "sum", "none"}) {
    const std::string s = r;
    const Reduction red = reduction_named("_" + s);
    ops["cross_entropy_" + s] = [red](const Args& x, auto& c) {
      return nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().reduction(red)).forward(x[0], c["i0"]);
    };
    ops["cross_entropy_smooth_ignore_" + s] = [red](const Args& x, auto& c) {
      return nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().reduction(red).label_smoothing(0.2)).forward(x[0], c["i0"]);
    };
    ops["nll_loss_ignore_" + s] = [red](const Args& x, auto& c) {
      return nn::NLLLoss(nn::NLLLossOptions().reduction(red)).forward(x[0], c["i0"]);
    };
    ops["nll_loss_ignore2_" + s] = [red](const Args& x, auto& c) {
      return nn::NLLLoss(nn::NLLLossOptions().reduction(red).ignore_index(2)).forward(x[0], c["i0"]);
    };
    ops["cross_entropy_smooth_ignore2_" + s] = [red](const Args& x, auto& c) {
      auto options = nn::CrossEntropyLossOptions().reduction(red).label_smoothing(0.15).ignore_index(2);
      return nn::CrossEntropyLoss(options).forward(x[0], c["i0"]);
    };
    ops["mse_loss_" + s] = [red](const Args& x, auto&) {
      return nn::MSELoss(nn::MSELossOptions().reduction(red)).forward(x[0], x[1]);
    };
    ops["l1_loss_" + s] = [red](const Args& x, auto&) {
      return nn::L1Loss(nn::L1LossOptions().reduction(red)).forward(x[0], x[1]);
    };
    ops["huber_loss_" + s] = [red](const Args& x, auto&) {
      return nn::HuberLoss(nn::HuberLossOptions().reduction(red).delta(0.7)).forward(x[0], x[1]);
    };
    ops["bce_with_logits_" + s] = [red](const Args& x, auto&) {
      return nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().reduction(red)).forward(x[0], x[1]);
    };
    ops["multi_margin_" + s] = [red](const Args& x, auto& c) {
      return nn::MultiMarginLoss(nn::MultiMarginLossOptions().reduction(red)).forward(x[0], c["i0"]);
    };
  }
  return ops;
}

}  // namespace

TEST_CASE("layers and losses match PyTorch's values and gradients") {
  const auto ops = golden_ops();
  const auto cases = test::load_golden("nn.txt");
  int checked = 0;
  for (const auto& [name, c] : cases) {
    if (!c.tensors.count("out")) continue;  // the running-statistics cases below
    INFO("case " << name);
    auto op = ops.find(name);
    REQUIRE(op != ops.end());
    Args inputs = test::golden_inputs(c);
    Tensor out = op->second(inputs, c);
    test::require_golden_match(out, c["out"], "out");
    std::vector<Tensor> grads = autograd::grad({out}, inputs, {c["g"]});
    for (size_t i = 0; i < inputs.size(); ++i)
      test::require_golden_match(grads[i], c["grad" + std::to_string(i)], "grad" + std::to_string(i));
    ++checked;
  }
  REQUIRE(checked == int(ops.size()));
}

TEST_CASE("batch norm running statistics and evaluation match PyTorch after several steps") {
  // A case holds weight and bias only if the module is affine, running statistics only if it
  // tracks them; without them, evaluation normalizes by the batch's statistics as in training.
  const auto cases = test::load_golden("nn.txt");
  int checked = 0;
  for (const auto& [name, c] : cases) {
    if (!c.tensors.count("eval_in")) continue;
    INFO("case " << name);
    const bool affine = c.tensors.count("weight") > 0, tracking = c.tensors.count("running_mean") > 0;
    auto options = nn::BatchNormOptions(c["eval_in"].size(1)).affine(affine).track_running_stats(tracking);
    if (name.find("cumulative") != std::string::npos) options.momentum(std::nullopt);
    std::shared_ptr<nn::BatchNormBase> bn;
    if (name.starts_with("batch_norm2d")) bn = std::make_shared<nn::BatchNorm2d>(options);
    else bn = std::make_shared<nn::BatchNorm1d>(options);
    bn->to(kFloat64);
    REQUIRE(bn->parameters().size() == (affine ? 2u : 0u));
    REQUIRE(bn->buffers().size() == (tracking ? 3u : 0u));
    if (affine) {
      NoGradGuard no_grad;
      bn->weight.copy_(c["weight"]);
      bn->bias.copy_(c["bias"]);
    }
    int steps = 0;
    for (; c.tensors.count("step" + std::to_string(steps)); ++steps) bn->forward(c["step" + std::to_string(steps)]);
    if (tracking) {
      test::require_golden_match(bn->running_mean, c["running_mean"], "running_mean");
      test::require_golden_match(bn->running_var, c["running_var"], "running_var");
      REQUIRE(bn->num_batches_tracked.item<int64_t>() == steps);
    }
    bn->eval();
    Tensor x = c["eval_in"].clone().requires_grad_();
    Tensor out = bn->forward(x);
    test::require_golden_match(out, c["eval_out"], "eval_out");
    if (c.tensors.count("eval_g"))
      test::require_golden_match(autograd::grad({out}, {x}, {c["eval_g"]})[0], c["eval_grad"], "eval_grad");
    ++checked;
  }
  REQUIRE(checked == 4);
}
