#pragma once
// Recurrent layers: the numbers of an LSTM or GRU step and of a whole layer over a sequence.
// No graph here (autograd/ops/rnn.cpp records it and checks the arguments first).
//
// Shapes (all contiguous):  T steps, B sequences, H hidden units
//   LSTM  gates: [B, 4H] in torch's order i, f, g, o   c, h: [B, H]   w_hh: [4H, H]
//   GRU   gates: [B, 3H] in torch's order r, z, n                    w_hh: [3H, H]   b_hh: [3H]
// A layer's input arrives already projected: x_gates[t] = x_t·W_ihᵀ + b (one GEMM over all
// steps, made by the caller), so each step costs one GEMM, h·W_hhᵀ, and one fused pointwise pass.
// Its backward runs the steps in reverse with one GEMM each (the gradient into h through W_hh)
// and gets dL/dW_hh from a single GEMM over all steps at the end.
//
// The LSTM cell, with σ the logistic function:
//   i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)      (a = the gates' pre-activations)
//   c' = f·c + i·g      h' = o·tanh(c')
// and its backward, given dL/dh' and dL/dc' (from the next step and from the output):
//   dc = dL/dc' + dL/dh'·o·(1 − tanh²c')
//   da_i = dc·g·i(1 − i)   da_f = dc·c·f(1 − f)   da_g = dc·i·(1 − g²)   da_o = dL/dh'·tanh c'·o(1 − o)
//   dL/dc = dc·f
// The GRU cell (torch's: the reset gate scales W_hn·h + b_hn, not h):
//   r = σ(x_r + h_r)  z = σ(x_z + h_z)  n = tanh(x_n + r·h_n)  h' = (1 − z)·n + z·h
// with x_* = x_gates and h_* = h·W_hhᵀ + b_hh, and its backward, given dL/dh':
//   dn = dL/dh'·(1 − z)·(1 − n²)   dz = dL/dh'·(h − n)·z(1 − z)   dr = dn·h_n·r(1 − r)
//   dL/dx_gates = (dr, dz, dn)   dL/dh_gates = (dr, dz, dn·r)   dL/dh = dL/dh'·z + dL/dh_gates·W_hh
#include "tensor/tensor.h"

namespace descent::kernels {

// ---- one LSTM step (lstm_cell) ----
struct LstmCellResult {
  Tensor gates;  // [B, 4H]: i, f, g, o after their activations
  Tensor hc;     // [2, B, H]: h' then c'
};
// pre: [B, 4H] pre-activations; c_prev: [B, H], or undefined for zeros.
LstmCellResult lstm_cell(const Tensor& pre, const Tensor& c_prev);

struct LstmCellGrads {
  Tensor pre;     // [B, 4H]: dL/d(pre-activations)
  Tensor c_prev;  // [B, H]
};
// gates, c: lstm_cell's results (c = hc[1]); grad_h, grad_c: dL/dh', dL/dc' (either may be
// undefined: zero).
LstmCellGrads lstm_cell_backward(const Tensor& gates, const Tensor& c_prev, const Tensor& c, const Tensor& grad_h,
                                 const Tensor& grad_c);

// ---- one LSTM layer over a sequence ----
struct LstmLayerResult {
  Tensor output;  // [T + 1, B, H]: h_1 .. h_T, then c_T in the last row
  Tensor gates;   // [T, B, 4H] after activation, for the backward
  Tensor cells;   // [T, B, H]: c_1 .. c_T
};
// x_gates: [T, B, 4H]; h0, c0: [B, H] or undefined for zeros.
LstmLayerResult lstm_layer(const Tensor& x_gates, const Tensor& w_hh, const Tensor& h0, const Tensor& c0);

struct LstmLayerGrads {
  Tensor x_gates, w_hh, h0, c0;  // undefined where not asked for
};
// grad: [T + 1, B, H], dL/d(output) as lstm_layer packs it.
LstmLayerGrads lstm_layer_backward(const Tensor& grad, const LstmLayerResult& forward, const Tensor& w_hh,
                                   const Tensor& h0, const Tensor& c0, bool need_w_hh, bool need_h0, bool need_c0);

// ---- one GRU layer over a sequence ----
struct GruLayerResult {
  Tensor output;    // [T, B, H]: h_1 .. h_T
  Tensor gates;     // [T, B, 3H]: r, z, n after activation, for the backward
  Tensor hidden_n;  // [T, B, H]: h_n = W_hn·h + b_hn of each step, for the backward
};
// x_gates: [T, B, 3H]; b_hh: [3H] or undefined; h0: [B, H] or undefined for zeros.
GruLayerResult gru_layer(const Tensor& x_gates, const Tensor& w_hh, const Tensor& b_hh, const Tensor& h0);

struct GruLayerGrads {
  Tensor x_gates, w_hh, b_hh, h0;
};
GruLayerGrads gru_layer_backward(const Tensor& grad, const GruLayerResult& forward, const Tensor& w_hh,
                                 const Tensor& h0, bool need_w_hh, bool need_b_hh, bool need_h0);

}  // namespace descent::kernels
