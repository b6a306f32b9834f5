#ifndef ATTEND_DEPTHWISE_ROW_H
#define ATTEND_DEPTHWISE_ROW_H
// One output row of a channels-last depthwise convolution, in C so that it can use AVX2 where the CPU has it
// while the rest of the binary stays built for baseline x86-64 (Swift has no per-function target attribute).
// The caller is AttendMath's depthwiseRowsForward, under AttendModel's depthwiseConvolutionForward, which
// documents the layout.

/// output (Wo, C) for output row `out_y` = bias (C) + Σ_taps weight (k, k, C) · input (H, W, C), summed per value in
/// the order bias, then taps in (ky, kx) order, one multiply and one add each (no fused multiply-add, so the
/// result is the same on every CPU and every path); then min(max(·, 0), 6) when `relu6`.
void attend_depthwise_row(float *output, const float *input, const float *weight, const float *bias, int relu6,
                          long height, long width, long channels, long kernel, long stride, long out_y,
                          long out_width, long top, long left);

/// 1 when attend_depthwise_row runs its AVX2 path on this CPU.
int attend_depthwise_uses_avx2(void);
#endif
