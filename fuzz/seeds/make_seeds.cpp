// Writes the seed corpora of the harnesses (fuzz/corpus/<harness>/), small files in the shapes
// the tests use: IDX files as tests/data/files.h writes them (plain and as gzip members), CIFAR-10
// records, PNG, JPEG and BMP images, checkpoints of every object checkpoint_reader.cpp loads,
// the bundled Iris CSV and a few command lines. The result is committed; run this again only
// when a format changes:  build-fuzz/make_seeds fuzz/corpus  (fuzz/run.sh builds it on request:
// cmake --build build-fuzz --target make_seeds).
#include <stb_image_write.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <descent/descent.h>

#include "data/files.h"

using namespace descent;
using test::Bytes;
namespace fs = std::filesystem;

namespace {

fs::path root;

void seed(const std::string& harness, const std::string& name, const Bytes& bytes) {
  fs::create_directories(root / harness);
  std::ofstream(root / harness / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

Bytes read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A gzip member compressed by zlib (real deflate blocks, unlike the tests' stored ones).
Bytes gzip(const Bytes& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&z, uLong(data.size())) + 32);
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = uInt(data.size());
  z.next_out = out.data();
  z.avail_out = uInt(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Two files in one input, as fuzz/scratch.h's split cuts them: a 4-byte length, then both.
Bytes pair(const Bytes& first, const Bytes& second, std::optional<uint8_t> mode = std::nullopt) {
  Bytes b;
  if (mode) b.push_back(*mode);
  test::put_le32(b, uint32_t(first.size()));
  b.insert(b.end(), first.begin(), first.end());
  b.insert(b.end(), second.begin(), second.end());
  return b;
}

Bytes pixels(size_t n, int seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t((i * 37 + size_t(seed) * 11) % 256);
  return b;
}

void idx_seeds() {
  const Bytes images = test::idx(0x803, {3, 4, 5}, pixels(60, 1)), labels = test::idx(0x801, {3}, {1, 2, 9});
  seed("idx_reader", "plain", pair(images, labels, 0));
  seed("idx_reader", "gzip_both", pair(gzip(images), gzip(labels), 3));
  seed("idx_reader", "gzip_images", pair(gzip(images), labels, 1));
  seed("idx_reader", "stored_gzip_labels", pair(images, test::gzip(labels), 2));
  const Bytes digits = test::idx(0x803, {2, 28, 28}, pixels(2 * 784, 2));
  seed("idx_reader", "two_digits", pair(digits, test::idx(0x801, {2}, {7, 0}), 0));
}

void cifar_seeds() {
  Bytes records;
  for (uint8_t label : {3, 9}) {
    records.push_back(label);
    const Bytes planes = pixels(3 * 1024, label);
    records.insert(records.end(), planes.begin(), planes.end());
  }
  seed("cifar10_reader", "two_records", records);
  seed("cifar10_reader", "one_record", Bytes(records.begin(), records.begin() + 3073));
}

Bytes encoded(int kind, int w, int h, int c, int seed) {
  Bytes out;
  auto append = [](void* context, void* data, int size) {
    auto* b = static_cast<Bytes*>(context);
    b->insert(b->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  };
  const Bytes hwc = pixels(size_t(w * h * c), seed);
  if (kind == 0) stbi_write_png_to_func(append, &out, w, h, c, hwc.data(), w * c);
  if (kind == 1) stbi_write_jpg_to_func(append, &out, w, h, c, hwc.data(), 90);
  if (kind == 2) stbi_write_bmp_to_func(append, &out, w, h, c, hwc.data());
  return out;
}

void image_seeds() {
  seed("image_reader", "png_gray_pair", pair(encoded(0, 4, 4, 1, 1), encoded(0, 4, 4, 1, 2)));
  seed("image_reader", "png_rgb_jpeg", pair(encoded(0, 6, 5, 3, 3), encoded(1, 6, 5, 3, 4)));
  seed("image_reader", "bmp_png_rgba", pair(encoded(2, 3, 3, 3, 5), encoded(0, 3, 3, 4, 6)));
  seed("image_reader", "stored_png", pair(test::png(2, 2, 3, pixels(12, 7)), {}));
  seed("image_reader", "jpeg_gray", pair(encoded(1, 8, 8, 1, 8), {}));
}

// The objects of checkpoint_reader.cpp, trained a little, each saved alone and all together.
void checkpoint_seeds() {
  const fs::path tmp = fs::temp_directory_path() / "descent_make_seeds.ckpt";
  auto save_seed = [&](const std::string& name, const auto& object) {
    descent::save(object, tmp.string());
    seed("checkpoint_reader", name, read(tmp.string()));
  };
  manual_seed(0);
  auto model = std::make_shared<nn::Sequential>(nn::Linear(4, 3), nn::BatchNorm1d(nn::BatchNormOptions(3)), nn::ReLU(),
                                                nn::Linear(3, 2));
  auto loss_of = [&] { return model->forward(randn({2, 4})).pow(2.0).mean(); };
  optim::SGD sgd(model->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3).amsgrad(true));
  optim::LBFGS lbfgs(model->parameters(), optim::LBFGSOptions(0.1).max_iter(2).history_size(3));
  for (optim::Optimizer* opt : std::initializer_list<optim::Optimizer*>{&sgd, &adam}) {
    opt->zero_grad();
    loss_of().backward();
    opt->step();
  }
  for (int i = 0; i < 2; ++i) lbfgs.step([&] { lbfgs.zero_grad(); Tensor l = loss_of(); l.backward(); return l; });
  optim::StepLR step_lr(adam, 2, 0.5);
  optim::ReduceLROnPlateau plateau(adam, "min", 0.5, 1);
  optim::OneCycleLR one_cycle(adam, 0.1, 10);
  for (double metric : {1.0, 2.0, 3.0}) {
    step_lr.step();
    plateau.step(metric);
    one_cycle.step();
  }
  optim::EarlyStopping stopper(2, 0.0, "min", true);
  stopper.step(1.0, *model);
  stopper.step(2.0, *model);
  data::TensorDataset points(ones({6, 4}), zeros({6}, kInt64));
  data::DataLoader loader(points, data::DataLoaderOptions(4).shuffle(true).seed(1));
  for (auto& batch : loader) batch.data.sum();
  optim::TrainingState state;
  state.add("model", *model).add("optimizer", adam).add("scheduler", step_lr).add("loader", loader);
  state.set_epoch(3);

  save_seed("module", model);
  save_seed("sgd", sgd);
  save_seed("adam_amsgrad", adam);
  save_seed("lbfgs", lbfgs);
  save_seed("step_lr", step_lr);
  save_seed("plateau", plateau);
  save_seed("one_cycle", one_cycle);
  save_seed("early_stopping", stopper);
  save_seed("loader", loader);
  save_seed("training_state", state);
  fs::remove(tmp);
}

Bytes text(const std::string& s, std::optional<uint8_t> mode = std::nullopt) {
  Bytes b;
  if (mode) b.push_back(*mode);
  b.insert(b.end(), s.begin(), s.end());
  return b;
}

void text_seeds() {
  seed("csv_reader", "iris", read(std::string(DESCENT_SOURCE_DIR) + "/examples/data/iris.csv"));
  seed("csv_reader", "short", text("150,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,1\n"));
  seed("flag_parser", "training", text("--data\n/d\n--epochs\n3\n--lr\n0.1\n--batch-size\n32", 0));
  seed("flag_parser", "schedule", text("--optimizer\nadam\n--scheduler\nonecycle\n--warmup\n1\n--epochs\n5", 0));
  seed("flag_parser", "extra", text("--model=lenet5\n--l2\n0.1\n--clip-grad-norm\n1e-3\n--seed\n7", 1));
  seed("flag_parser", "not_applicable", text("--epochs\n2\n--momentum\n0.9\n--metrics\nm.csv", 2));
  seed("flag_parser", "help", text("--help", 0));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds CORPUS_DIR (fuzz/corpus)\n";
    return 2;
  }
  root = argv[1];
  idx_seeds();
  cifar_seeds();
  image_seeds();
  checkpoint_seeds();
  text_seeds();
  std::cout << "seeds written to " << root << "\n";
  return 0;
}
