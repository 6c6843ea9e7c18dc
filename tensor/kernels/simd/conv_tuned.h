#pragma once
// conv2d by this CPU's tuned kernels, where its table's rules say they beat the plain path
// (im2col + GEMM, tensor/kernels/conv.cpp, which calls these first). Float32, contiguous
// tensors, checked arguments; conv_tuned.cpp says how and when.
#include "tensor/kernels/conv.h"

namespace descent::kernels::simd {

// Computes out and returns true, or returns false and leaves out alone.
bool conv2d_forward(const float* x, const float* w, const float* b, float* out, const ConvGeometry& g,
                    const Conv2dParams& p);

// Computes the gradients it can among gx, gw and gb (null where not wanted) and sets the
// pointers of those it computed to null; the plain path computes the rest.
void conv2d_backward(const float* x, const float* w, const float* go, float*& gx, float*& gw, float*& gb,
                     const ConvGeometry& g, const Conv2dParams& p);

}  // namespace descent::kernels::simd
