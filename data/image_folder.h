#pragma once
// ImageFolder(root): images in one folder per class, root/<class>/<file>, as an ImageDataset
// (torchvision's ImageFolder). Classes are the subfolder names in sorted order, so a class's
// label is its position in classes(); within a class, files are taken in sorted order too.
// Files ending in .png, .jpg, .jpeg or .bmp (any case) are decoded with stb_image, all of them
// once, in parallel, when the dataset is built, and kept as uint8 [C, H, W]; other files and
// hidden entries are ignored. Every image must have the size and channel count of the first
// (stb_image's own channel count: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA); nothing is resized.
// A missing root, a root without class folders, an empty class folder, an undecodable file or
// an image of another size throw std::runtime_error naming the folder or file.
// Read next: data/image_dataset.h.
#include <string>
#include <vector>

#include "data/image_dataset.h"

namespace descent::data {

class ImageFolder : public ImageDataset {
 public:
  explicit ImageFolder(const std::string& root);
  const std::vector<std::string>& paths() const { return paths_; }  // the file of each example

 private:
  struct Loaded;  // the decoded images and their paths (image_folder.cpp)
  static Loaded load(const std::string& root);
  explicit ImageFolder(Loaded loaded);
  std::vector<std::string> paths_;
};

}  // namespace descent::data
