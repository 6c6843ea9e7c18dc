// Normalize, RandomCrop and RandomHorizontalFlip against plain reference computations, their
// argument checks, and their determinism given the generator.
#include "helpers.h"

#include <set>

using namespace descent;

namespace {

// A [C, H, W] image whose value at (c, y, x) is c * 100 + y * 10 + x.
Tensor ramp(int64_t C, int64_t H, int64_t W) {
  std::vector<double> v;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) v.push_back(double(c * 100 + y * 10 + x));
  return tensor(v, {C, H, W});
}

float at(const Tensor& t, int64_t c, int64_t y, int64_t x) {
  return t.select(0, c).select(0, y).select(0, x).item<float>();
}

}  // namespace

TEST_CASE("Normalize subtracts each channel's mean and divides by its std") {
  Tensor image = ramp(3, 2, 2);
  Tensor out = data::Normalize({1.0, 100.0, 50.0}, {2.0, 4.0, 0.5})(image);
  REQUIRE(out.sizes() == Shape{3, 2, 2});
  REQUIRE(at(out, 0, 1, 1) == Approx((11 - 1.0) / 2.0));
  REQUIRE(at(out, 1, 0, 1) == Approx((101 - 100.0) / 4.0));
  REQUIRE(at(out, 2, 1, 0) == Approx((210 - 50.0) / 0.5));
  // one mean and std apply to every channel
  Tensor same = data::Normalize(0.5, 0.25)(ramp(2, 1, 1));
  REQUIRE(same.to_vector<float>() == std::vector<float>{-2.0f, 398.0f});
  REQUIRE(image.to_vector<float>()[0] == 0.0f);  // the input is left alone

  REQUIRE_THROWS_WITH(data::Normalize({0.5, 0.5}, {1.0}), "Normalize: expected as many means as stds (at least one), got 2 and 1");
  REQUIRE_THROWS_WITH(data::Normalize(0.5, 0.0), "Normalize: every std must be > 0, got 0");
  REQUIRE_THROWS_WITH(data::Normalize(0.5, 1.0)(zeros({4})), "Normalize: expected an image [C, H, W], got shape [4]");
  REQUIRE_THROWS_WITH(data::Normalize(0.5, 1.0)(zeros({1, 2, 2}, kFloat64)), "Normalize: expected a float32 image, got float64");
}

TEST_CASE("RandomCrop cuts a window of the zero-padded image at the position its generator draws") {
  const int64_t C = 2, H = 5, W = 6, size = 4, pad = 2;
  Tensor image = ramp(C, H, W);
  data::RandomCrop crop(size, pad);
  std::set<std::pair<int64_t, int64_t>> corners;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    Generator gen(seed);
    Tensor out = crop(image, gen);
    REQUIRE(out.sizes() == Shape{C, size, size});
    // The corner the crop drew: the same two draws, replayed.
    Generator replay(seed);
    const int64_t top = replay.next_below(H + 2 * pad - size + 1) - pad;
    const int64_t left = replay.next_below(W + 2 * pad - size + 1) - pad;
    corners.insert({top, left});
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < size; ++y)
        for (int64_t x = 0; x < size; ++x) {
          const int64_t sy = top + y, sx = left + x;
          const bool inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
          INFO("seed " << seed << " corner (" << top << ", " << left << ") at " << c << "," << y << "," << x);
          REQUIRE(at(out, c, y, x) == (inside ? float(c * 100 + sy * 10 + sx) : 0.0f));
        }
  }
  // every corner of the padded image is reachable: (5+4-4+1) x (6+4-4+1) positions
  REQUIRE(corners.size() == 6 * 7);

  Generator gen(1);
  REQUIRE(data::RandomCrop(5, 0)(ramp(1, 5, 5), gen).to_vector<float>() == ramp(1, 5, 5).to_vector<float>());
  REQUIRE_THROWS_WITH(data::RandomCrop(0), "RandomCrop: size must be > 0, got 0");
  REQUIRE_THROWS_WITH(data::RandomCrop(3, -1), "RandomCrop: padding must be >= 0, got -1");
  REQUIRE_THROWS_WITH(data::RandomCrop(8, 1)(ramp(1, 5, 9)), "RandomCrop: a 8x8 crop does not fit an image [1, 5, 9] padded by 1");
}

TEST_CASE("RandomHorizontalFlip mirrors every row with probability p") {
  Tensor image = ramp(2, 2, 3);
  Generator gen(3);
  Tensor flipped = data::RandomHorizontalFlip(1.0)(image, gen);
  REQUIRE(flipped.to_vector<float>() == std::vector<float>{2, 1, 0, 12, 11, 10, 102, 101, 100, 112, 111, 110});
  REQUIRE(data::RandomHorizontalFlip(0.0)(image, gen).to_vector<float>() == image.to_vector<float>());
  int flips = 0;
  data::RandomHorizontalFlip half;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    Generator g(seed);
    flips += half(image, g).to_vector<float>()[0] == 2.0f;
  }
  REQUIRE(flips > 900);
  REQUIRE(flips < 1100);
  REQUIRE_THROWS_WITH(data::RandomHorizontalFlip(1.5), "RandomHorizontalFlip: p must be in [0, 1], got 1.5");
}

TEST_CASE("random transforms give the same result for the same generator state and differ across seeds") {
  Tensor image = rand({3, 8, 8});
  auto augment = [&](uint64_t seed) {
    Generator gen(seed);
    Tensor x = data::RandomCrop(8, 2)(image, gen);
    return data::RandomHorizontalFlip()(x, gen).to_vector<float>();
  };
  REQUIRE(augment(42) == augment(42));
  int differ = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) differ += augment(seed) != augment(seed + 100);
  REQUIRE(differ >= 15);
}
