#pragma once
// descent: a small, fast, readable deep-learning framework. This umbrella header brings in
// everything: `#include <descent/descent.h>`. Start reading at tensor/tensor.h (the Tensor
// handle), then autograd/ops.h (every op) and autograd/engine.cpp (backward).
#include "autograd/anomaly.h"
#include "autograd/dot.h"
#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/grad_monitor.h"
#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "nn/utils/utils.h"
#include "optim/optim.h"
#include "nn/nn.h"
#include "data/data.h"
#include "plot/plot.h"
#include "tensor/dtype.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tensor/serialize.h"
#include "tensor/shape.h"
#include "tensor/tensor.h"
