#pragma once
// nn::utils: helpers around training that are not layers: gradient clipping (clip_grad.h) and
// weight penalties for the loss (penalty.h).
#include "nn/utils/clip_grad.h"
#include "nn/utils/penalty.h"
