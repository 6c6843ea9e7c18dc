#pragma once
// Everything of nn: modules, layers, losses, functional forms and initialization.
// Read nn/module.h first (the Module tree and checkpoints), then nn/linear.h (a layer), then
// nn/sequential.h. The differentiable ops underneath are in autograd/ops.h.
#include "nn/activation.h"
#include "nn/attention.h"
#include "nn/batchnorm.h"
#include "nn/conv.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/flatten.h"
#include "nn/functional.h"
#include "nn/functional_call.h"
#include "nn/init.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/pooling.h"
#include "nn/rnn.h"
#include "nn/safetensors.h"
#include "nn/sequential.h"
