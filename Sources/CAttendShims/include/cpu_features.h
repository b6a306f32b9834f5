#ifndef ATTEND_CPU_FEATURES_H
#define ATTEND_CPU_FEATURES_H

/// 1 when this CPU runs the AVX-512 instructions OpenBLAS's SkylakeX kernels use (F, BW, DQ, VL), else 0.
int attend_cpu_has_avx512(void);

#endif
