// The safetensors format on its own (tensor/safetensors.h): named tensors of every dtype written
// and read back exactly, PyTorch's file of every dtype read (float16 and bfloat16 converted as
// torch converts them), and every way a file can be malformed, truncated or lying refused with
// an error that names the file and the problem. Loading into modules: tests/nn/test_safetensors.cpp.
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "helpers.h"

using namespace descent;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("descent_test_st_" + std::to_string(::getpid()) + "_" + name)).string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// A file made by hand: the 8-byte length (the header's own unless `length` says otherwise), the
// header text, then `data`.
std::string raw_file(const std::string& header, const std::string& data, std::optional<uint64_t> length = {}) {
  const uint64_t n = length.value_or(header.size());
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &n, 8);
  return bytes + header + data;
}

// The message load_safetensors(path) throws for these bytes ("" when it loads).
std::string error_for(const std::string& bytes) {
  const std::string path = temp_path("bad.safetensors");
  write_bytes(path, bytes);
  try {
    load_safetensors(path);
  } catch (const std::runtime_error& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "";
}

std::string bits(const Tensor& t) {
  Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.raw_data()), size_t(c.numel()) * c.element_size());
}

}  // namespace

TEST_CASE("named tensors of every dtype round-trip bit for bit, with the metadata and in order") {
  const std::string path = temp_path("roundtrip.safetensors");
  manual_seed(3);
  Tensor matrix = randn({3, 4});
  const NamedTensors saved = {
      {"layer.weight", randn({4, 3, 2})},
      {"double", randn({5}, kFloat64)},
      {"counts", tensor({-3, 0, 1e15}, {3}, kInt64)},
      {"mask", tensor({1, 0, 0, 1, 1}, {5}, kBool)},
      {"scalar", scalar_tensor(2.5)},
      {"empty", zeros({0, 7})},
      {"transposed", matrix.t()},                      // not contiguous: written as its values
      {"row", matrix.select(0, 1)},                    // a view at an offset into its storage
      {"grad", randn({2}).requires_grad_()}};
  save_safetensors(saved, path, {{"format", "pt"}, {"epoch", "7"}});
  SafetensorsMetadata metadata;
  const NamedTensors loaded = load_safetensors(path, &metadata);
  REQUIRE(metadata == SafetensorsMetadata{{"format", "pt"}, {"epoch", "7"}});
  REQUIRE(loaded.size() == saved.size());
  for (size_t i = 0; i < saved.size(); ++i) {
    INFO(saved[i].first);
    REQUIRE(loaded[i].first == saved[i].first);
    REQUIRE(loaded[i].second.dtype() == saved[i].second.dtype());
    REQUIRE(loaded[i].second.sizes() == saved[i].second.sizes());
    REQUIRE(bits(loaded[i].second) == bits(saved[i].second));
    REQUIRE(!loaded[i].second.requires_grad());
  }
  // The header is padded so that the data starts at a multiple of 8.
  const std::string bytes = slurp(path);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  REQUIRE(n % 8 == 0);
  REQUIRE(bytes.size() == 8 + n + 4 * 6 * 4 + 5 * 8 + 3 * 8 + 5 + 4 + 0 + 12 * 4 + 4 * 4 + 2 * 4);
  std::filesystem::remove(path);
}

TEST_CASE("a file PyTorch wrote is read: every dtype, float16 and bfloat16 as torch converts them") {
  SafetensorsMetadata metadata;
  NamedTensors file = load_safetensors(std::string(DESCENT_GOLDEN_DIR) + "/safetensors/dtypes.safetensors", &metadata);
  REQUIRE(metadata == SafetensorsMetadata{{"written_by", "tools/golden_safetensors.py"}});
  std::map<std::string, Tensor> t(file.begin(), file.end());
  REQUIRE(t.size() == 10);
  REQUIRE(t["f32"].sizes() == Shape{2, 3});
  REQUIRE(t["f32"].to_vector<float>()[0] == 1.5f);
  REQUIRE(t["f32"].to_vector<float>()[2] == 3.0e-39f);  // a float32 subnormal
  REQUIRE(t["f64"].dtype() == kFloat64);
  REQUIRE(t["f64"].to_vector<double>() == std::vector<double>{1.0 / 3, 1e-300, -2.5});
  REQUIRE(t["i64"].to_vector<int64_t>() == std::vector<int64_t>{int64_t(1) << 40, -5, 0, (int64_t(1) << 53) + 1});
  REQUIRE(t["bool"].dtype() == kBool);
  REQUIRE(t["bool"].to_vector<bool>() == std::vector<bool>{true, false, false, true});
  REQUIRE(t["scalar"].dim() == 0);
  REQUIRE(t["scalar"].item<float>() == 4.0f);
  REQUIRE(t["empty"].sizes() == Shape{0, 3});
  // float16 (normal, largest, subnormal, inf, -0, NaN) and bfloat16, bit for bit as torch's .float().
  for (std::string name : {"f16", "bf16"}) {
    INFO(name);
    REQUIRE(t[name].dtype() == kFloat32);
    const Tensor& want = t[name + "_as_f32"];
    REQUIRE(t[name].sizes() == want.sizes());
    REQUIRE(bits(t[name]) == bits(want));
  }
  REQUIRE(std::isnan(t["f16"].to_vector<float>()[7]));
  REQUIRE(std::signbit(t["f16"].to_vector<float>()[6]));
}

TEST_CASE("the header's order does not matter: tensors come back in the order of their data") {
  const std::string header = R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                             R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  const float values[2] = {1.0f, 2.0f};
  const std::string path = temp_path("order.safetensors");
  write_bytes(path, raw_file(header, std::string(reinterpret_cast<const char*>(values), 8)));
  NamedTensors t = load_safetensors(path);
  REQUIRE(t.size() == 2);
  REQUIRE(t[0].first == "a");
  REQUIRE(t[0].second.item<float>() == 1.0f);
  REQUIRE(t[1].first == "b");
  REQUIRE(t[1].second.item<float>() == 2.0f);
  std::filesystem::remove(path);
}

TEST_CASE("a malformed, truncated or lying safetensors file is refused naming the file and the problem") {
  const std::string path = temp_path("bad.safetensors");
  const std::string prefix = "safetensors file " + path + ": ";
  const std::string data24(24, '\0');
  auto one = [](const std::string& entry) { return "{\"w\":" + entry + "}"; };

  SECTION("missing or too short") {
    REQUIRE_THROWS_WITH(load_safetensors(path + ".none"),
                        "safetensors file " + path + ".none: cannot open the file (No such file or directory)");
    REQUIRE(error_for("abc") == prefix + "too short (3 bytes) to hold the 8-byte header length");
  }
  SECTION("header length huge, or past the end of the file") {
    REQUIRE(error_for(raw_file("{}", "", uint64_t(1) << 62)) ==
            prefix + "header length 4611686018427387904 is over the limit of 100000000 bytes");
    REQUIRE(error_for(raw_file("{}", "", 100'000'001)) == prefix + "header length 100000001 is over the limit of 100000000 bytes");
    REQUIRE(error_for(raw_file("{}", "", 1000)) == prefix + "header length 1000 runs past the end of the file (10 bytes)");
  }
  SECTION("invalid JSON, or JSON of the wrong shape") {
    REQUIRE_THAT(error_for(raw_file(R"({"w": {"dtype": "F32", )", "")),
                 Catch::StartsWith(prefix + "the header is not valid JSON (parse error at line 1, column 24"));
    REQUIRE_THAT(error_for(raw_file("{}trailing", "")), Catch::StartsWith(prefix + "the header is not valid JSON (parse error"));
    REQUIRE(error_for(raw_file("[1, 2]", "")) == prefix + "the header is not a JSON object");
    REQUIRE(error_for(raw_file(one("7"), "")) == prefix + "tensor 'w': its header entry is not a JSON object");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[1]})"), "")) ==
            prefix + "tensor 'w': its header entry lacks dtype, shape or data_offsets");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1})"), "abcd")) ==
            prefix + "tensor 'w': unexpected field 'extra' (expected dtype, shape and data_offsets)");
    REQUIRE(error_for(raw_file(R"({"__metadata__":{"epoch":3}})", "")) == prefix + "__metadata__ entry 'epoch' is not a string");
    REQUIRE(error_for(raw_file(R"({"__metadata__":[1]})", "")) == prefix + "__metadata__ is not a JSON object");
    REQUIRE(error_for(raw_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                               R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                               std::string(8, '\0'))) == prefix + "the header names 'w' twice");
  }
  SECTION("unknown dtype") {
    REQUIRE(error_for(raw_file(one(R"({"dtype":"I32","shape":[6],"data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': dtype \"I32\" is not supported (descent reads F32, F64, F16, BF16, I64 and BOOL)");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"Q7","shape":[6],"data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': dtype \"Q7\" is not supported (descent reads F32, F64, F16, BF16, I64 and BOOL)");
    REQUIRE(error_for(raw_file(one(R"({"dtype":4,"shape":[6],"data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': dtype 4 is not supported (descent reads F32, F64, F16, BF16, I64 and BOOL)");
  }
  SECTION("shapes that are not sizes") {
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[2,-3],"data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': shape [2,-3] holds a size that is not a whole number >= 0");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': shape [2.5] holds a size that is not a whole number >= 0");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":"6","data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': shape \"6\" is not a list of sizes");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[1,1,1,1,1,1,1,1,6],"data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': shape [1,1,1,1,1,1,1,1,6] has 9 dimensions, more than 8");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': shape [4294967296,4294967296] is too large");
    // A zero size makes no data, but the other sizes must still be sane (strides are built from them).
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]})"), "")) ==
            prefix + "tensor 'w': shape [0,4294967296,4294967296] is too large");
  }
  SECTION("values nested deeper than a stack could follow are named without being printed") {
    const std::string deep = std::string(200'000, '[') + "1" + std::string(200'000, ']');
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":)" + deep + R"(,"data_offsets":[0,4]})"), "abcd")) ==
            prefix + "tensor 'w': shape [...] holds a size that is not a whole number >= 0");
    REQUIRE(error_for(raw_file(one(R"({"dtype":)" + deep + R"(,"shape":[1],"data_offsets":[0,4]})"), "abcd")) ==
            prefix + "tensor 'w': dtype [...] is not supported (descent reads F32, F64, F16, BF16, I64 and BOOL)");
    const std::string long_name(300, 'x');
    REQUIRE(error_for(raw_file(one(R"({"dtype":")" + long_name + R"(","shape":[1],"data_offsets":[0,4]})"), "abcd")) ==
            prefix + "tensor 'w': dtype \"" + std::string(75, 'x') + " ... is not supported (descent reads F32, F64, "
                     "F16, BF16, I64 and BOOL)");
  }
  SECTION("offsets that are not a pair, or do not match the shape") {
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[6],"data_offsets":[24,0]})"), data24)) ==
            prefix + "tensor 'w': data_offsets [24,0] is not a pair [begin, end] of byte offsets with begin <= end");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[6],"data_offsets":[0]})"), data24)) ==
            prefix + "tensor 'w': data_offsets [0] is not a pair [begin, end] of byte offsets with begin <= end");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[2,3],"data_offsets":[0,20]})"), std::string(20, '\0'))) ==
            prefix + "tensor 'w': data_offsets [0,20] hold 20 bytes, but shape [2,3] of F32 needs 24");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F64","shape":[2,3],"data_offsets":[0,24]})"), data24)) ==
            prefix + "tensor 'w': data_offsets [0,24] hold 24 bytes, but shape [2,3] of F64 needs 48");
  }
  SECTION("offsets past the end of the file (a truncated file)") {
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[6],"data_offsets":[0,24]})"), std::string(10, '\0'))) ==
            prefix + "tensor 'w': data_offsets [0,24] run past the end of the data (10 bytes; is the file truncated?)");
    // Offsets near 2^64: end - begin is right, end is far beyond the file (no overflow on the way).
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[18446744073709551608,18446744073709551612]})"), "")) ==
            prefix + "tensor 'w': data_offsets [18446744073709551608,18446744073709551612] run past the end of the data "
                     "(0 bytes; is the file truncated?)");
  }
  SECTION("overlapping offsets, gaps and bytes that belong to no tensor") {
    const std::string two = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
    REQUIRE(error_for(raw_file(two, std::string(12, '\0'))) == prefix + "tensor 'b' at [4, 12] overlaps tensor 'a' at [0, 8]");
    const std::string same = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
    REQUIRE(error_for(raw_file(same, std::string(8, '\0'))) == prefix + "tensor 'b' at [0, 8] overlaps tensor 'a' at [0, 8]");
    const std::string gap = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})";
    REQUIRE(error_for(raw_file(gap, std::string(20, '\0'))) == prefix + "4 bytes before tensor 'b' at [12, 20] belong to no tensor");
    REQUIRE(error_for(raw_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})"), std::string(9, '\0'))) ==
            prefix + "5 bytes after the last tensor's data belong to no tensor");
  }
  SECTION("a bool that is neither 0 nor 1") {
    REQUIRE(error_for(raw_file(one(R"({"dtype":"BOOL","shape":[3],"data_offsets":[0,3]})"), std::string("\1\2\0", 3))) ==
            prefix + "tensor 'w' (BOOL) holds the byte 2 at element 1; a bool is 0 or 1");
  }
  SECTION("a directory") {
    std::filesystem::create_directories(path + ".dir");
    REQUIRE_THROWS_WITH(load_safetensors(path + ".dir"), "safetensors file " + path + ".dir: not a regular file");
    std::filesystem::remove(path + ".dir");
  }
}

TEST_CASE("a safetensors file cut anywhere is refused, never read past its end") {
  const std::string good = temp_path("whole.safetensors"), cut = temp_path("cut.safetensors");
  save_safetensors({{"a", randn({3, 2})}, {"b", ones({2}, kInt64)}, {"c", tensor({1, 0}, {2}, kBool)}}, good,
                   {{"k", "v"}});
  const std::string bytes = slurp(good);
  for (size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(cut, bytes.substr(0, n));
    INFO("the first " << n << " of " << bytes.size() << " bytes");
    REQUIRE_THROWS_WITH(load_safetensors(cut), Catch::StartsWith("safetensors file " + cut + ": "));
  }
  std::filesystem::remove(good);
  std::filesystem::remove(cut);
}

TEST_CASE("save_safetensors refuses names it cannot write, and an undefined tensor") {
  const std::string path = temp_path("refused.safetensors");
  REQUIRE_THROWS_WITH(save_safetensors({{"a", ones({1})}, {"a", ones({2})}}, path),
                      "save_safetensors: the name 'a' appears twice");
  REQUIRE_THROWS_WITH(save_safetensors({{"__metadata__", ones({1})}}, path),
                      "save_safetensors: '__metadata__' is reserved for the metadata, not a tensor name");
  REQUIRE_THROWS_WITH(save_safetensors({{"a", Tensor()}}, path), "save_safetensors: tensor 'a' is undefined");
  REQUIRE_THROWS_WITH(save_safetensors({{"caf\xe9", ones({1})}}, path),
                      "save_safetensors: a tensor name or metadata string is not valid UTF-8");
  REQUIRE(!std::filesystem::exists(path));
}
