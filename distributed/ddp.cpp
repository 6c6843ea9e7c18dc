// DistributedDataParallel: the shape check, rank 0's weights everywhere, forward and its
// buffers (see ddp.h; the gradients are the Reducer's, reducer.cpp).
#include "distributed/ddp.h"

#include <stdexcept>
#include <string>

#include "distributed/collectives.h"
#include "tensor/check.h"
#include "tensor/factory.h"

namespace descent::distributed {
namespace {

// Every rank must hold the same model: the same parameters, of the same sizes, in the same
// order, or the buckets would pair unrelated numbers. The ranks compare a small summary (counts
// and a checksum of the shapes) before anything else is sent.
void check_same_model(const nn::Module& module) {
  int64_t summary[4] = {0, 0, 0, 0};  // parameters, their elements, buffers, a hash of every shape
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the dims
  auto mix = [&](int64_t v) { hash = (hash ^ uint64_t(v)) * 1099511628211ull; };
  for (const Tensor& p : module.parameters()) {
    summary[0] += 1;
    summary[1] += p.numel();
    for (int64_t d : p.sizes()) mix(d);
    mix(-1);
  }
  for (const Tensor& b : module.buffers()) {
    summary[2] += 1;
    for (int64_t d : b.sizes()) mix(d);
    mix(-2);
  }
  summary[3] = int64_t(hash);
  Tensor mine = tensor({double(summary[0]), double(summary[1]), double(summary[2]), 0.0}, {4}, kInt64);
  mine.data_ptr<int64_t>()[3] = summary[3];  // exactly: a double cannot hold every 64-bit hash
  std::vector<Tensor> all;
  all_gather(all, mine);
  for (size_t r = 0; r < all.size(); ++r) {
    const int64_t* theirs = all[r].data_ptr<int64_t>();
    if (std::equal(summary, summary + 4, theirs)) continue;
    throw std::invalid_argument(
        "DistributedDataParallel: the ranks hold different models: rank " + std::to_string(get_rank()) + " has " +
        std::to_string(summary[0]) + " parameters (" + std::to_string(summary[1]) + " values) and " +
        std::to_string(summary[2]) + " buffers, rank " + std::to_string(r) + " has " + std::to_string(theirs[0]) +
        " parameters (" + std::to_string(theirs[1]) + " values) and " + std::to_string(theirs[2]) + " buffers" +
        (std::equal(summary, summary + 3, theirs) ? " of other shapes" : ""));
  }
}

}  // namespace

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<nn::Module> module, DDPOptions options,
                                                 Forward forward)
    : module_(std::move(module)), options_(std::move(options)), forward_(std::move(forward)) {
  CHECK(module_ != nullptr, "DistributedDataParallel: expected a module, got a null pointer");
  CHECK(is_initialized(), "DistributedDataParallel: call distributed::init_process_group() first");
  CHECK(options_.bucket_cap_mb() > 0, "DistributedDataParallel: bucket_cap_mb must be > 0, got ",
        options_.bucket_cap_mb());
  check_same_model(*module_);
  // Rank 0's weights and buffers everywhere, so that the ranks start equal (and, taking the
  // same averaged steps, stay equal).
  for (Tensor p : module_->parameters()) broadcast(p, 0);
  for (Tensor b : module_->buffers()) broadcast(b, 0);
  std::vector<Tensor> trained;
  for (const Tensor& p : module_->parameters())
    if (p.requires_grad()) trained.push_back(p);
  const int64_t cap = int64_t(options_.bucket_cap_mb() * 1024 * 1024);
  reducer_ = std::make_shared<Reducer>(default_group(), std::move(trained), std::max<int64_t>(cap, 1),
                                       options_.overlap());
  Reducer::register_hooks(reducer_);
}

Tensor DistributedDataParallel::forward(const Tensor& x) {
  CHECK(forward_ != nullptr, "DistributedDataParallel::forward: the module has no forward(const Tensor&); call the "
                             "module's own forward (module()): its gradients are averaged all the same");
  if (options_.broadcast_buffers() && module_->is_training() && get_world_size() > 1)
    for (Tensor b : module_->buffers()) broadcast(b, 0);
  return forward_(x);
}

}  // namespace descent::distributed
