// cpu_capability (see cpu.h): the name of the table tensor/kernels/simd/dispatch.cpp chose.
#include "tensor/cpu.h"

#include "tensor/kernels/simd/kernels.h"

namespace descent {

std::string cpu_capability() { return kernels::simd::isa_name(kernels::simd::active().isa); }

}  // namespace descent
