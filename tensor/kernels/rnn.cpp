// LSTM and GRU: the pointwise part of a step as one loop forward and one backward (the cell
// equations are in rnn.h), and the loop over a sequence around them. The GEMMs are
// kernels::gemm (matmul.cpp), which splits each across threads when it is large enough; the
// pointwise loops split rows across threads, and their exp and tanh are fast_math.h's so that
// they vectorize.
#include "tensor/kernels/rnn.h"

#include <cstring>

#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/fast_math.h"
#include "tensor/kernels/loop.h"
#include "tensor/kernels/matmul.h"

namespace descent::kernels {
namespace {

// Rows of a step's pointwise loop per task: a step is only B·H cells (8k for 32 × 256), so the
// grain is smaller than kParallelGrain, but each task still gets about 4k cells.
int64_t rows_per_task(int64_t H) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(H, 1)); }

template <class T> T* at(const Tensor& t, int64_t offset = 0) { return t.data_ptr<T>() + offset; }

// ---- LSTM ---------------------------------------------------------------------------------

// One row of an LSTM step: a = the four gates' pre-activations [4H] (overwritten with their
// activations), c_prev -> c, h. A function of its own so that __restrict on its parameters tells
// the compiler the seven arrays never overlap: with that it vectorizes the loop (inside the
// caller's lambda it could not prove it and kept the loop scalar, 4x slower).
template <class T>
__attribute__((noinline)) void lstm_forward_row(int64_t H, T* __restrict gi, T* __restrict gf, T* __restrict gg,
                                                T* __restrict go, const T* __restrict cp, T* __restrict c,
                                                T* __restrict h) {
  for (int64_t j = 0; j < H; ++j) {
    const T i = fast::sigmoid(gi[j]), f = fast::sigmoid(gf[j]), g = fast::tanh(gg[j]), o = fast::sigmoid(go[j]);
    const T cn = f * cp[j] + i * g;
    gi[j] = i;
    gf[j] = f;
    gg[j] = g;
    go[j] = o;
    c[j] = cn;
    h[j] = o * fast::tanh(cn);
  }
}

// gates ← activations of (x_pre + gates) (of x_pre alone when !has_h); c = f·c_prev + i·g; h = o·tanh c.
template <class T>
void lstm_forward_step(int64_t B, int64_t H, const T* x_pre, T* gates, bool has_h, const T* c_prev, T* c, T* h) {
  parallel_for(0, B, rows_per_task(H), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* x = x_pre + b * 4 * H;
      T* a = gates + b * 4 * H;
      // the pre-activations of all four gates: x·W_ihᵀ + b (+ h·W_hhᵀ, already in `gates`)
      if (has_h) {
        for (int64_t j = 0; j < 4 * H; ++j) a[j] += x[j];
      } else {
        for (int64_t j = 0; j < 4 * H; ++j) a[j] = x[j];
      }
      lstm_forward_row<T>(H, a, a + H, a + 2 * H, a + 3 * H, c_prev + b * H, c + b * H, h + b * H);
    }
  });
}

// One row of an LSTM step's backward (as lstm_forward_row, a function so that __restrict
// lets the loop vectorize): from dL/dh' = dh1 + dh2 and dL/dc' = dc, the four gates' gradients
// d, and dc <- dL/dc_prev.
template <class T>
__attribute__((noinline)) void lstm_backward_row(int64_t H, const T* __restrict gates, const T* __restrict cp,
                                                 const T* __restrict cb, const T* __restrict dh1,
                                                 const T* __restrict dh2, T* __restrict dc, T* __restrict d) {
  for (int64_t j = 0; j < H; ++j) {
    const T i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const T tc = fast::tanh(cb[j]);
    const T dh = dh1[j] + dh2[j];
    const T dcn = dc[j] + dh * o * (T(1) - tc * tc);
    d[j] = dcn * g * i * (T(1) - i);
    d[H + j] = dcn * cp[j] * f * (T(1) - f);
    d[2 * H + j] = dcn * i * (T(1) - g * g);
    d[3 * H + j] = dh * tc * o * (T(1) - o);
    dc[j] = dcn * f;
  }
}

// dpre from dL/dh' = grad_h + grad_h_rec and dL/dc' = dc; dc ← dL/dc_prev.
template <class T>
void lstm_backward_step(int64_t B, int64_t H, const T* gates, const T* c_prev, const T* c, const T* grad_h,
                        const T* grad_h_rec, T* dc, T* dpre) {
  parallel_for(0, B, rows_per_task(H), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      lstm_backward_row<T>(H, gates + b * 4 * H, c_prev + b * H, c + b * H, grad_h + b * H, grad_h_rec + b * H,
                           dc + b * H, dpre + b * 4 * H);
  });
}

// ---- GRU ----------------------------------------------------------------------------------

// One row of a GRU step (a __restrict function, as lstm_forward_row, so that it vectorizes):
// hh = h·W_hhᵀ of the row (b_hh added here; zeros at a first step without h0).
template <class T>
__attribute__((noinline)) void gru_forward_row(int64_t H, const T* __restrict x, const T* __restrict hb,
                                               const T* __restrict b_hh, const T* __restrict hp, T* __restrict gr,
                                               T* __restrict hn_out, T* __restrict out) {
  for (int64_t j = 0; j < H; ++j) {
    const T hr = hb[j] + b_hh[j];
    const T hz = hb[H + j] + b_hh[H + j];
    const T hn = hb[2 * H + j] + b_hh[2 * H + j];
    const T r = fast::sigmoid(x[j] + hr);
    const T z = fast::sigmoid(x[H + j] + hz);
    const T n = fast::tanh(x[2 * H + j] + r * hn);
    gr[j] = r;
    gr[H + j] = z;
    gr[2 * H + j] = n;
    hn_out[j] = hn;
    out[j] = (T(1) - z) * n + z * hp[j];
  }
}

// hh: [B, 3H] = h·W_hhᵀ; b_hh: [3H] (zeros when the layer has no bias).
template <class T>
void gru_forward_step(int64_t B, int64_t H, const T* x_gates, const T* hh, const T* b_hh, const T* h_prev, T* gates,
                      T* hidden_n, T* h) {
  parallel_for(0, B, rows_per_task(H), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      gru_forward_row<T>(H, x_gates + b * 3 * H, hh + b * 3 * H, b_hh, h_prev + b * H, gates + b * 3 * H,
                         hidden_n + b * H, h + b * H);
  });
}

// From dL/dh' = grad_h + dh (dh holds the gradient coming back through W_hh from the next
// step): dx_gates, dh_gates, and dh ← dL/dh'·z (the direct part of dL/dh_prev). One row per
// call of a __restrict function, so that the loop vectorizes.
template <class T>
__attribute__((noinline)) void gru_backward_row(int64_t H, const T* __restrict gr, const T* __restrict hn,
                                                const T* __restrict hp, const T* __restrict gh, T* __restrict dhb,
                                                T* __restrict dxb, T* __restrict dhhb) {
  for (int64_t j = 0; j < H; ++j) {
    const T r = gr[j], z = gr[H + j], n = gr[2 * H + j];
    const T d = gh[j] + dhb[j];
    const T dn = d * (T(1) - z) * (T(1) - n * n);
    const T dz = d * (hp[j] - n) * z * (T(1) - z);
    const T dr = dn * hn[j] * r * (T(1) - r);
    dxb[j] = dr;
    dxb[H + j] = dz;
    dxb[2 * H + j] = dn;
    dhhb[j] = dr;
    dhhb[H + j] = dz;
    dhhb[2 * H + j] = dn * r;
    dhb[j] = d * z;
  }
}

template <class T>
void gru_backward_step(int64_t B, int64_t H, const T* gates, const T* hidden_n, const T* h_prev, const T* grad_h,
                       T* dh, T* dx, T* dhh) {
  parallel_for(0, B, rows_per_task(H), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      gru_backward_row<T>(H, gates + b * 3 * H, hidden_n + b * H, h_prev + b * H, grad_h + b * H, dh + b * H,
                          dx + b * 3 * H, dhh + b * 3 * H);
  });
}

Tensor contiguous_or_zeros(const Tensor& t, int64_t B, int64_t H, Dtype dtype) {
  return t.defined() ? contiguous(t) : zeros({B, H}, dtype);
}

}  // namespace

// ---- one LSTM step --------------------------------------------------------------------------

LstmCellResult lstm_cell(const Tensor& pre, const Tensor& c_prev) {
  const int64_t B = pre.sizes()[0], H = pre.sizes()[1] / 4;
  LstmCellResult r{empty({B, 4 * H}, pre.dtype()), empty({2, B, H}, pre.dtype())};
  const Tensor x = contiguous(pre), cp = contiguous_or_zeros(c_prev, B, H, pre.dtype());
  dispatch_floating(pre.dtype(), [&](auto tag) {
    using T = decltype(tag);
    lstm_forward_step<T>(B, H, at<T>(x), at<T>(r.gates), false, at<T>(cp), at<T>(r.hc, B * H), at<T>(r.hc));
  });
  return r;
}

LstmCellGrads lstm_cell_backward(const Tensor& gates, const Tensor& c_prev, const Tensor& c, const Tensor& grad_h,
                                 const Tensor& grad_c) {
  const int64_t B = gates.sizes()[0], H = gates.sizes()[1] / 4;
  const Dtype dt = gates.dtype();
  LstmCellGrads r{empty({B, 4 * H}, dt), grad_c.defined() ? cast(grad_c, dt) : zeros({B, H}, dt)};  // dc, in place
  const Tensor cp = contiguous_or_zeros(c_prev, B, H, dt), gh = contiguous_or_zeros(grad_h, B, H, dt);
  const Tensor none = zeros({B, H}, dt);
  dispatch_floating(dt, [&](auto tag) {
    using T = decltype(tag);
    lstm_backward_step<T>(B, H, at<T>(gates), at<T>(cp), at<T>(c), at<T>(gh), at<T>(none), at<T>(r.c_prev),
                          at<T>(r.pre));
  });
  return r;
}

// ---- one LSTM layer ---------------------------------------------------------------------------

LstmLayerResult lstm_layer(const Tensor& x_gates, const Tensor& w_hh, const Tensor& h0, const Tensor& c0) {
  const int64_t T_ = x_gates.sizes()[0], B = x_gates.sizes()[1], H = w_hh.sizes()[1];
  const Dtype dt = x_gates.dtype();
  LstmLayerResult r{empty({T_ + 1, B, H}, dt), empty({T_, B, 4 * H}, dt), empty({T_, B, H}, dt)};
  const Tensor xg = contiguous(x_gates), w = contiguous(w_hh);
  const Tensor h_init = contiguous_or_zeros(h0, B, H, dt), c_init = contiguous_or_zeros(c0, B, H, dt);
  dispatch_floating(dt, [&](auto tag) {
    using T = decltype(tag);
    const int64_t step = B * H, gate_step = B * 4 * H;
    for (int64_t t = 0; t < T_; ++t) {
      const T* h_prev = t == 0 ? at<T>(h_init) : at<T>(r.output, (t - 1) * step);
      const T* c_prev = t == 0 ? at<T>(c_init) : at<T>(r.cells, (t - 1) * step);
      T* gates = at<T>(r.gates, t * gate_step);
      // h_prev·W_hhᵀ: one [B, H]·[H, 4H] product for all four gates (none before a zero h0).
      const bool has_h = t > 0 || h0.defined();
      if (has_h) gemm(false, true, B, 4 * H, H, T(1), h_prev, H, at<T>(w), H, T(0), gates, 4 * H);
      lstm_forward_step<T>(B, H, at<T>(xg, t * gate_step), gates, has_h, c_prev, at<T>(r.cells, t * step),
                           at<T>(r.output, t * step));
    }
    std::memcpy(at<T>(r.output, T_ * step), at<T>(r.cells, (T_ - 1) * step), size_t(step) * sizeof(T));
  });
  return r;
}

LstmLayerGrads lstm_layer_backward(const Tensor& grad, const LstmLayerResult& fw, const Tensor& w_hh,
                                   const Tensor& h0, const Tensor& c0, bool need_w_hh, bool need_h0, bool need_c0) {
  const int64_t T_ = fw.gates.sizes()[0], B = fw.gates.sizes()[1], H = w_hh.sizes()[1];
  const Dtype dt = fw.gates.dtype();
  const Tensor g = contiguous(grad), w = contiguous(w_hh);
  const Tensor c_init = contiguous_or_zeros(c0, B, H, dt);
  LstmLayerGrads r;
  r.x_gates = empty({T_, B, 4 * H}, dt);
  Tensor dc = empty({B, H}, dt), dh = zeros({B, H}, dt);  // dL/dc of the step being undone; dL/dh through W_hh
  dispatch_floating(dt, [&](auto tag) {
    using T = decltype(tag);
    const int64_t step = B * H, gate_step = B * 4 * H;
    std::memcpy(at<T>(dc), at<T>(g, T_ * step), size_t(step) * sizeof(T));  // dL/dc_T
    for (int64_t t = T_ - 1; t >= 0; --t) {
      const T* c_prev = t == 0 ? at<T>(c_init) : at<T>(fw.cells, (t - 1) * step);
      T* dpre = at<T>(r.x_gates, t * gate_step);
      lstm_backward_step<T>(B, H, at<T>(fw.gates, t * gate_step), c_prev, at<T>(fw.cells, t * step),
                            at<T>(g, t * step), at<T>(dh), at<T>(dc), dpre);
      // dL/dh_prev = dpre·W_hh: [B, 4H]·[4H, H]
      if (t > 0 || need_h0) gemm(false, false, B, H, 4 * H, T(1), dpre, 4 * H, at<T>(w), H, T(0), at<T>(dh), H);
    }
    if (need_w_hh) {
      // dL/dW_hh = Σ_t dpre_tᵀ·h_{t−1}: steps 1..T−1 in one product (h_1..h_{T−1} are output
      // rows 0..T−2, contiguous), plus step 0's with h0 when there is one.
      r.w_hh = zeros({4 * H, H}, dt);
      if (T_ > 1)
        gemm(true, false, 4 * H, H, (T_ - 1) * B, T(1), at<T>(r.x_gates, gate_step), 4 * H, at<T>(fw.output), H,
             T(0), at<T>(r.w_hh), H);
      if (h0.defined())
        gemm(true, false, 4 * H, H, B, T(1), at<T>(r.x_gates), 4 * H, at<T>(contiguous(h0)), H, T(1),
             at<T>(r.w_hh), H);
    }
  });
  if (need_h0) r.h0 = dh;
  if (need_c0) r.c0 = dc;
  return r;
}

// ---- one GRU layer ----------------------------------------------------------------------------

GruLayerResult gru_layer(const Tensor& x_gates, const Tensor& w_hh, const Tensor& b_hh, const Tensor& h0) {
  const int64_t T_ = x_gates.sizes()[0], B = x_gates.sizes()[1], H = w_hh.sizes()[1];
  const Dtype dt = x_gates.dtype();
  GruLayerResult r{empty({T_, B, H}, dt), empty({T_, B, 3 * H}, dt), empty({T_, B, H}, dt)};
  const Tensor xg = contiguous(x_gates), w = contiguous(w_hh);
  const Tensor bias = b_hh.defined() ? contiguous(b_hh) : zeros({3 * H}, dt);  // no branch per element
  const Tensor h_init = contiguous_or_zeros(h0, B, H, dt);
  Tensor hh = zeros({B, 3 * H}, dt);  // h·W_hhᵀ of the current step
  dispatch_floating(dt, [&](auto tag) {
    using T = decltype(tag);
    const int64_t step = B * H, gate_step = B * 3 * H;
    for (int64_t t = 0; t < T_; ++t) {
      const T* h_prev = t == 0 ? at<T>(h_init) : at<T>(r.output, (t - 1) * step);
      if (t > 0 || h0.defined()) gemm(false, true, B, 3 * H, H, T(1), h_prev, H, at<T>(w), H, T(0), at<T>(hh), 3 * H);
      gru_forward_step<T>(B, H, at<T>(xg, t * gate_step), at<T>(hh), at<T>(bias), h_prev,
                          at<T>(r.gates, t * gate_step), at<T>(r.hidden_n, t * step), at<T>(r.output, t * step));
    }
  });
  return r;
}

GruLayerGrads gru_layer_backward(const Tensor& grad, const GruLayerResult& fw, const Tensor& w_hh, const Tensor& h0,
                                 bool need_w_hh, bool need_b_hh, bool need_h0) {
  const int64_t T_ = fw.gates.sizes()[0], B = fw.gates.sizes()[1], H = w_hh.sizes()[1];
  const Dtype dt = fw.gates.dtype();
  const Tensor g = contiguous(grad), w = contiguous(w_hh);
  const Tensor h_init = contiguous_or_zeros(h0, B, H, dt);
  GruLayerGrads r;
  r.x_gates = empty({T_, B, 3 * H}, dt);
  Tensor dhh = empty({T_, B, 3 * H}, dt);  // dL/d(h·W_hhᵀ + b_hh) of every step
  Tensor dh = zeros({B, H}, dt);
  dispatch_floating(dt, [&](auto tag) {
    using T = decltype(tag);
    const int64_t step = B * H, gate_step = B * 3 * H;
    for (int64_t t = T_ - 1; t >= 0; --t) {
      const T* h_prev = t == 0 ? at<T>(h_init) : at<T>(fw.output, (t - 1) * step);
      T* dhh_t = at<T>(dhh, t * gate_step);
      gru_backward_step<T>(B, H, at<T>(fw.gates, t * gate_step), at<T>(fw.hidden_n, t * step), h_prev,
                           at<T>(g, t * step), at<T>(dh), at<T>(r.x_gates, t * gate_step), dhh_t);
      // dL/dh_prev = dL/dh'·z (already in dh) + dhh·W_hh
      if (t > 0 || need_h0) gemm(false, false, B, H, 3 * H, T(1), dhh_t, 3 * H, at<T>(w), H, T(1), at<T>(dh), H);
    }
    if (need_w_hh) {  // as the LSTM's: Σ_t dhh_tᵀ·h_{t−1}
      r.w_hh = zeros({3 * H, H}, dt);
      if (T_ > 1)
        gemm(true, false, 3 * H, H, (T_ - 1) * B, T(1), at<T>(dhh, gate_step), 3 * H, at<T>(fw.output), H, T(0),
             at<T>(r.w_hh), H);
      if (h0.defined())
        gemm(true, false, 3 * H, H, B, T(1), at<T>(dhh), 3 * H, at<T>(h_init), H, T(1), at<T>(r.w_hh), H);
    }
    if (need_b_hh) {  // Σ over steps and batch, row after row (the same order on any thread count)
      r.b_hh = zeros({3 * H}, dt);
      T* db = at<T>(r.b_hh);
      const T* d = at<T>(dhh);
      for (int64_t row = 0; row < T_ * B; ++row)
        for (int64_t j = 0; j < 3 * H; ++j) db[j] += d[row * 3 * H + j];
    }
  });
  if (need_h0) r.h0 = dh;
  return r;
}

}  // namespace descent::kernels
