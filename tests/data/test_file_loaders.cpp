// The file loaders on files the tests write: MNIST's IDX (plain and gzipped), CIFAR-10's binary
// batches and ImageFolder's PNGs load with the right labels and pixels; every kind of bad file
// gives the exact error that names the file, the problem and a hint.
#include "files.h"
#include "helpers.h"

using namespace descent;
using test::Bytes;
using test::TempDir;

namespace {

// Image i of an IDX file: pixel p has value (i * 40 + p) % 256, so every image differs.
Bytes idx_pixels(uint32_t count, uint32_t rows, uint32_t cols) {
  Bytes b;
  for (uint32_t i = 0; i < count; ++i)
    for (uint32_t p = 0; p < rows * cols; ++p) b.push_back(uint8_t((i * 40 + p) % 256));
  return b;
}

void write_mnist(const TempDir& dir, const std::string& prefix, const std::vector<uint8_t>& labels, uint32_t rows = 4,
                 uint32_t cols = 5) {
  const uint32_t n = uint32_t(labels.size());
  test::write_file(dir / (prefix + "-images-idx3-ubyte"), test::idx(0x803, {n, rows, cols}, idx_pixels(n, rows, cols)));
  test::write_file(dir / (prefix + "-labels-idx1-ubyte"), test::idx(0x801, {n}, labels));
}

// CIFAR record r: label, then byte (r * 7 + c * 31 + p) % 256 at plane c, position p.
Bytes cifar_records(const std::vector<uint8_t>& labels, int first = 0) {
  Bytes b;
  for (size_t k = 0; k < labels.size(); ++k) {
    b.push_back(labels[k]);
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 1024; ++p) b.push_back(uint8_t(((first + int(k)) * 7 + c * 31 + p) % 256));
  }
  return b;
}

float at(const Tensor& image, int64_t c, int64_t y, int64_t x) {
  return image.select(0, c).select(0, y).select(0, x).item<float>();
}

}  // namespace

// ---- MNIST ---------------------------------------------------------------------------------

TEST_CASE("MNIST reads plain IDX files: count, shape, labels and pixels scaled to [0, 1]") {
  TempDir dir;
  write_mnist(dir, "train", {5, 0, 4});
  data::MNIST train(dir.str(), true);
  REQUIRE(train.size() == 3);
  REQUIRE(train.image_shape() == Shape{1, 4, 5});
  REQUIRE(train.num_classes() == 10);
  REQUIRE(train.labels() == std::vector<int64_t>{5, 0, 4});
  data::Example e = train.get(2);
  REQUIRE(e.data.sizes() == Shape{1, 4, 5});
  REQUIRE(e.data.dtype() == kFloat32);
  REQUIRE(e.target.dim() == 0);
  REQUIRE(e.target.item<int64_t>() == 4);
  // pixel (row 1, col 3) of image 2 is p = 8: (2 * 40 + 8) / 255
  REQUIRE(at(e.data, 0, 1, 3) == float(88) / 255.0f);
  REQUIRE(train.pixels(2)[8] == 88);
}

TEST_CASE("MNIST reads gzipped IDX files when the plain ones are absent") {
  TempDir dir;
  const Bytes pixels = idx_pixels(70, 28, 28);  // 55 KB: more than one stored deflate block
  test::write_file(dir / "t10k-images-idx3-ubyte.gz", test::gzip(test::idx(0x803, {70, 28, 28}, pixels)));
  Bytes labels;
  for (int i = 0; i < 70; ++i) labels.push_back(uint8_t(i % 10));
  test::write_file(dir / "t10k-labels-idx1-ubyte.gz", test::gzip(test::idx(0x801, {70}, labels)));
  data::MNIST test_set(dir.str(), false);
  REQUIRE(test_set.size() == 70);
  REQUIRE(test_set.labels()[69] == 9);
  REQUIRE(at(test_set.get(69).data, 0, 27, 27) == float((69 * 40 + 783) % 256) / 255.0f);
}

TEST_CASE("MNIST names the file and the problem for missing, corrupt and truncated files") {
  TempDir dir;
  const std::string images = dir / "train-images-idx3-ubyte", labels = dir / "train-labels-idx1-ubyte";

  REQUIRE_THROWS_WITH(data::MNIST(dir / "nowhere", true),
                      "MNIST: " + (dir / "nowhere") + ": no such directory; hint: pass the folder holding the IDX files "
                      "(for example /usr/share/datasets/fashion-mnist)");
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true),
                      "MNIST: " + dir.str() + ": no train-images-idx3-ubyte or train-images-idx3-ubyte.gz here; hint: pass "
                      "the folder holding the four IDX files of MNIST or Fashion-MNIST (for example "
                      "/usr/share/datasets/fashion-mnist)");

  write_mnist(dir, "train", {1, 2});
  // the label file where the image file should be
  test::write_file(images, test::idx(0x801, {2}, {1, 2}));
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true),
                      "MNIST: " + images + ": bad magic number 0x00000801 (expected 0x00000803); is this an IDX image file?");
  test::write_file(images, {0, 0});
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true),
                      "MNIST: " + images + ": file too short for an IDX header (2 bytes); is this an IDX image file?");
  test::write_file(images, Bytes{0, 0, 8, 3, 0, 0, 0, 2});
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true), "MNIST: " + images + ": truncated header: 8 bytes, the dims alone need 16");
  test::write_file(images, test::idx(0x803, {2, 0, 5}, {}));
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true), "MNIST: " + images + ": dimension 1 has size 0; is this an IDX image file?");

  // truncated data, and data longer than the header says
  Bytes body = idx_pixels(2, 4, 5);
  body.pop_back();
  test::write_file(images, test::idx(0x803, {2, 4, 5}, body));
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true),
                      "MNIST: " + images + ": truncated: the header promises 2 of 4x5 but only 39 bytes of data follow it; "
                      "try downloading the file again");
  body.push_back(1);
  body.push_back(2);
  test::write_file(images, test::idx(0x803, {2, 4, 5}, body));
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true),
                      "MNIST: " + images + ": 1 bytes after the data the header promises (2 of 4x5); is this an IDX image file?");

  // counts that disagree, and a label that is not a digit
  write_mnist(dir, "train", {1, 2});
  test::write_file(labels, test::idx(0x801, {3}, {1, 2, 3}));
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true),
                      "MNIST: " + dir.str() + ": train-images-idx3-ubyte holds 2 images but train-labels-idx1-ubyte holds 3 "
                      "labels; hint: both files must come from the same release");
  test::write_file(labels, test::idx(0x801, {2}, {1, 12}));
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true),
                      "MNIST: " + labels + ": label 12 of example 1 is outside 0..9; is this an MNIST label file?");

  // a gzip file cut short
  std::filesystem::remove(images);
  write_mnist(dir, "train", {1, 2});
  std::filesystem::remove(images);
  Bytes gz = test::gzip(test::idx(0x803, {2, 4, 5}, idx_pixels(2, 4, 5)));
  gz.resize(gz.size() - 12);
  test::write_file(images + ".gz", gz);
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true),
                      "MNIST: " + images + ".gz: corrupt or truncated gzip data (zlib: unexpected end of file); try "
                      "downloading the file again");

  // a folder where a file should be, plain or gzipped (zlib would call it corrupt data)
  std::filesystem::remove(images + ".gz");
  std::filesystem::create_directories(images);
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true), "MNIST: " + images + ": is a folder, not a file");
  std::filesystem::remove(images);
  std::filesystem::create_directories(images + ".gz");
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true), "MNIST: " + images + ".gz: is a folder, not a file");
  // a link to a device, which would never end
  std::filesystem::remove(images + ".gz");
  std::filesystem::create_symlink("/dev/zero", images);
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true), "MNIST: " + images + ": not a regular file (a device or socket)");
  std::filesystem::remove(images);
  std::filesystem::create_symlink("/dev/zero", images + ".gz");
  REQUIRE_THROWS_WITH(data::MNIST(dir.str(), true), "MNIST: " + images + ".gz: not a regular file (a device or socket)");
}

// ---- CIFAR-10 ------------------------------------------------------------------------------

TEST_CASE("CIFAR10 reads a binary batch: labels and R, G, B planes at known positions") {
  TempDir dir;
  test::write_file(dir / "test_batch.bin", cifar_records({3, 0, 9}));
  data::CIFAR10 test_set(dir.str(), false);
  REQUIRE(test_set.size() == 3);
  REQUIRE(test_set.image_shape() == Shape{3, 32, 32});
  REQUIRE(test_set.labels() == std::vector<int64_t>{3, 0, 9});
  REQUIRE(test_set.classes().front() == "airplane");
  REQUIRE(test_set.classes()[3] == "cat");
  REQUIRE(test_set.classes().back() == "truck");
  Tensor image = test_set.get(1).data;
  // record 1, green plane (c = 1), row 2, column 5: p = 2 * 32 + 5 = 69
  REQUIRE(at(image, 1, 2, 5) == float((1 * 7 + 31 + 69) % 256) / 255.0f);
  REQUIRE(at(image, 0, 0, 0) == float(7) / 255.0f);
  REQUIRE(at(image, 2, 31, 31) == float((7 + 62 + 1023) % 256) / 255.0f);
}

TEST_CASE("CIFAR10 reads the five training batches in order, also from cifar-10-batches-bin/") {
  TempDir dir;
  int first = 0;
  std::vector<int64_t> want;
  for (int b = 1; b <= 5; ++b) {
    std::vector<uint8_t> labels = {uint8_t(b), uint8_t(b % 2 * 7)};
    if (b == 3) labels.push_back(8);
    test::write_file(dir / ("cifar-10-batches-bin/data_batch_" + std::to_string(b) + ".bin"), cifar_records(labels, first));
    first += int(labels.size());
    want.insert(want.end(), labels.begin(), labels.end());
  }
  data::CIFAR10 train(dir.str(), true);
  REQUIRE(train.size() == 11);
  REQUIRE(train.labels() == want);
  // example 7 is the first record of data_batch_4
  REQUIRE(train.pixels(7)[0] == uint8_t(7 * 7));
  REQUIRE(at(train.get(7).data, 2, 0, 1) == float((7 * 7 + 62 + 1) % 256) / 255.0f);
}

TEST_CASE("CIFAR10 names the file and the problem for missing, truncated and foreign files") {
  TempDir dir;
  REQUIRE_THROWS_WITH(data::CIFAR10(dir / "nowhere", false),
                      "CIFAR10: " + (dir / "nowhere") + ": no such directory; hint: pass the folder of CIFAR-10's binary release");
  REQUIRE_THROWS_WITH(data::CIFAR10(dir.str(), false),
                      "CIFAR10: " + (dir / "test_batch.bin") + ": missing; hint: the test set is test_batch.bin from "
                      "cifar-10-binary.tar.gz (for CIFAR-10 as image files use ImageFolder)");
  for (int b : {1, 2, 4, 5}) test::write_file(dir / ("data_batch_" + std::to_string(b) + ".bin"), cifar_records({1}));
  REQUIRE_THROWS_WITH(data::CIFAR10(dir.str(), true),
                      "CIFAR10: " + (dir / "data_batch_3.bin") + ": missing; hint: the training set is data_batch_1.bin .. "
                      "data_batch_5.bin from cifar-10-binary.tar.gz (for CIFAR-10 as image files use ImageFolder)");

  Bytes records = cifar_records({1, 2});
  records.resize(records.size() - 100);
  test::write_file(dir / "test_batch.bin", records);
  REQUIRE_THROWS_WITH(data::CIFAR10(dir.str(), false),
                      "CIFAR10: " + (dir / "test_batch.bin") + ": truncated or not a CIFAR-10 batch: 6046 bytes is not a "
                      "whole number of 3073-byte records (1 label byte + 3x32x32 pixels)");
  test::write_file(dir / "test_batch.bin", {});
  REQUIRE_THROWS_WITH(data::CIFAR10(dir.str(), false),
                      "CIFAR10: " + (dir / "test_batch.bin") + ": empty file; try downloading the release again");
  test::write_file(dir / "test_batch.bin", cifar_records({4, 10}));
  REQUIRE_THROWS_WITH(data::CIFAR10(dir.str(), false),
                      "CIFAR10: " + (dir / "test_batch.bin") + ": record 1 has label 10, expected 0..9; is this CIFAR-100 "
                      "(two label bytes per record) or another file?");
  std::filesystem::remove(dir / "test_batch.bin");
  std::filesystem::create_directories(dir / "test_batch.bin");
  REQUIRE_THROWS_WITH(data::CIFAR10(dir.str(), false), "CIFAR10: " + (dir / "test_batch.bin") + ": is a folder, not a file");
}

// ---- ImageFolder ---------------------------------------------------------------------------

namespace {

// A width × height RGB image whose byte at (y, x, c) is seed + 10 y + 3 x + 100 c (mod 256).
Bytes rgb(int width, int height, int seed) {
  Bytes hwc;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) hwc.push_back(uint8_t((seed + 10 * y + 3 * x + 100 * c) % 256));
  return hwc;
}

}  // namespace

TEST_CASE("ImageFolder takes classes from sorted folder names and decodes PNGs to [C, H, W]") {
  TempDir dir;
  test::write_file(dir / "dog/x.png", test::png(4, 3, 3, rgb(4, 3, 30)));
  test::write_file(dir / "cat/b.PNG", test::png(4, 3, 3, rgb(4, 3, 20)));
  test::write_file(dir / "cat/a.png", test::png(4, 3, 3, rgb(4, 3, 10)));
  test::write_file(dir / "ant/1.png", test::png(4, 3, 3, rgb(4, 3, 0)));
  test::write_file(dir / "dog/notes.txt", {'h', 'i'});          // not an image: ignored
  test::write_file(dir / "dog/.hidden.png", {'x'});             // hidden: ignored
  test::write_file(dir / ".git/objects.png", {'x'});            // hidden folder: not a class
  data::ImageFolder folder(dir.str());
  REQUIRE(folder.classes() == std::vector<std::string>{"ant", "cat", "dog"});
  REQUIRE(folder.size() == 4);
  REQUIRE(folder.labels() == std::vector<int64_t>{0, 1, 1, 2});
  REQUIRE(folder.paths() == std::vector<std::string>{dir / "ant/1.png", dir / "cat/a.png", dir / "cat/b.PNG", dir / "dog/x.png"});
  REQUIRE(folder.image_shape() == Shape{3, 3, 4});
  Tensor image = folder.get(1).data;  // cat/a.png, seed 10
  REQUIRE(image.sizes() == Shape{3, 3, 4});
  REQUIRE(at(image, 2, 1, 3) == float(10 + 10 + 9 + 200) / 255.0f);
  REQUIRE(at(image, 0, 2, 0) == float(10 + 20) / 255.0f);
  REQUIRE(folder.get(3).target.item<int64_t>() == 2);

  // gray images keep one channel
  TempDir gray;
  test::write_file(gray / "only/a.png", test::png(2, 2, 1, {0, 64, 128, 255}));
  data::ImageFolder g(gray.str());
  REQUIRE(g.image_shape() == Shape{1, 2, 2});
  REQUIRE(g.get(0).data.to_vector<float>() == std::vector<float>{0.0f, 64 / 255.0f, 128 / 255.0f, 1.0f});
}

TEST_CASE("ImageFolder names the folder or file for a missing root, empty folders and bad images") {
  TempDir dir;
  REQUIRE_THROWS_WITH(data::ImageFolder(dir / "nowhere"),
                      "ImageFolder: " + (dir / "nowhere") + ": no such directory; hint: expected root/<class>/<image>, one "
                      "folder per class");
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      "ImageFolder: " + dir.str() + ": no class folders; hint: expected root/<class>/<image> (.png, .jpg, "
                      ".jpeg or .bmp), one folder per class");
  test::write_file(dir / "cat/a.png", test::png(4, 3, 3, rgb(4, 3, 0)));
  std::filesystem::create_directories(dir / "dog");
  test::write_file(dir / "dog/readme.txt", {'x'});
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      "ImageFolder: " + (dir / "dog") + ": class folder holds no images (.png, .jpg, .jpeg or .bmp); hint: "
                      "remove the folder or put its images in it");

  test::write_file(dir / "dog/b.png", test::png(3, 3, 3, rgb(3, 3, 0)));
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      "ImageFolder: " + (dir / "dog/b.png") + ": image is 3x3 with 3 channels, but " + (dir / "cat/a.png") +
                          " (the first image) is 4x3 with 3 channels; all images must have the same size and channel count "
                          "(resize or convert them beforehand)");
  test::write_file(dir / "dog/b.png", test::png(4, 3, 1, Bytes(12, 7)));
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      "ImageFolder: " + (dir / "dog/b.png") + ": image is 4x3 with 1 channel, but " + (dir / "cat/a.png") +
                          " (the first image) is 4x3 with 3 channels; all images must have the same size and channel count "
                          "(resize or convert them beforehand)");
  test::write_file(dir / "dog/b.png", {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'});
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      "ImageFolder: " + (dir / "dog/b.png") + ": not a PNG, JPEG or BMP file (by its first bytes)");
  // A GIF named .png: stb_image would decode it by its content (and its GIF, PSD, HDR, PNM
  // decoders are not what a dataset of PNG and JPEG files needs).
  test::write_file(dir / "dog/b.png", {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0, ';'});
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      "ImageFolder: " + (dir / "dog/b.png") + ": not a PNG, JPEG or BMP file (by its first bytes)");
  // A PNG header that claims 16384 x 8192 pixels: refused before decoding (400 MB).
  Bytes huge = test::png(4, 3, 3, rgb(4, 3, 0));
  huge[18] = 0x40, huge[19] = 0, huge[22] = 0x20, huge[23] = 0;  // IHDR's big-endian width and height
  test::write_file(dir / "dog/b.png", huge);
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      "ImageFolder: " + (dir / "dog/b.png") + ": image is 16384x8192 with 3 channels, larger than "
                      "ImageFolder decodes (268435456 bytes per image)");
  test::write_file(dir / "dog/b.png", {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0});
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      Catch::StartsWith("ImageFolder: " + (dir / "dog/b.png") + ": cannot decode the image (stb_image: ") &&
                          Catch::EndsWith("); is it a valid PNG or JPEG file?"));
  Bytes cut = test::png(4, 3, 3, rgb(4, 3, 0));
  cut.resize(cut.size() / 2);
  test::write_file(dir / "dog/b.png", cut);
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()),
                      Catch::StartsWith("ImageFolder: " + (dir / "dog/b.png") + ": cannot decode the image"));
  test::write_file(dir / "dog/b.png", {});
  REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()), "ImageFolder: " + (dir / "dog/b.png") + ": empty file");
}

TEST_CASE("ImageFolder reports the first bad file in file order, whatever the thread count") {
  TempDir dir;
  for (int i = 0; i < 40; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "c/%02d.png", i);
    const bool bad = i == 17 || i == 33;
    test::write_file(dir / name, test::png(bad ? 5 : 4, 3, 3, rgb(bad ? 5 : 4, 3, i)));
  }
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    REQUIRE_THROWS_WITH(data::ImageFolder(dir.str()), Catch::StartsWith("ImageFolder: " + (dir / "c/17.png") + ": image is 5x3"));
  }
}
