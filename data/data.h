#pragma once
// The data half of descent in one include: datasets (TensorDataset; MNIST, CIFAR10 and
// ImageFolder over uint8 images), transforms and the DataLoader. docs/data.md describes the
// file formats, what the loaders check and how the pipeline stays deterministic.
// Start reading at data/dataset.h.
#include "data/cifar10.h"
#include "data/dataloader.h"
#include "data/dataset.h"
#include "data/image_dataset.h"
#include "data/image_folder.h"
#include "data/mnist.h"
#include "data/sampler.h"
#include "data/tensor_dataset.h"
#include "data/transforms.h"
