#include "depthwise_row.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// No contraction of a * b + c into an FMA anywhere in this file: the sums must match the Swift reference.
#pragma clang fp contract(off)

static inline long max_l(long a, long b) { return a > b ? a : b; }
static inline long min_l(long a, long b) { return a < b ? a : b; }

/// Channels [c, channels) of one output position, one value at a time.
static inline void position_scalar(float *out, const float *input, const float *weight, const float *bias, int relu6,
                                   long width, long channels, long kernel, long first_y, long last_y, long first_x,
                                   long last_x, long y0, long x0, long c) {
    for (; c < channels; c++) {
        float sum = bias[c];
        for (long ky = first_y; ky < last_y; ky++)
            for (long kx = first_x; kx < last_x; kx++)
                sum = sum + weight[(ky * kernel + kx) * channels + c] * input[((y0 + ky) * width + x0 + kx) * channels + c];
        if (relu6) sum = sum < 0 ? 0 : (sum > 6 ? 6 : sum);
        out[c] = sum;
    }
}

static void row_generic(float *output, const float *input, const float *weight, const float *bias, int relu6,
                        long height, long width, long channels, long kernel, long stride, long out_y, long out_width,
                        long top, long left) {
    long first_y = max_l(0, top - out_y * stride), last_y = min_l(kernel, height + top - out_y * stride);
    for (long ox = 0; ox < out_width; ox++) {
        long first_x = max_l(0, left - ox * stride), last_x = min_l(kernel, width + left - ox * stride);
        position_scalar(output + ox * channels, input, weight, bias, relu6, width, channels, kernel, first_y, last_y,
                        first_x, last_x, out_y * stride - top, ox * stride - left, 0);
    }
}

#if defined(__x86_64__)
/// 32 channels at a time in four 8-lane registers, then 8, then one at a time.
__attribute__((target("avx2")))
static void row_avx2(float *output, const float *input, const float *weight, const float *bias, int relu6,
                     long height, long width, long channels, long kernel, long stride, long out_y, long out_width,
                     long top, long left) {
    const __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6);
    long first_y = max_l(0, top - out_y * stride), last_y = min_l(kernel, height + top - out_y * stride);
    long y0 = out_y * stride - top;
    for (long ox = 0; ox < out_width; ox++) {
        long first_x = max_l(0, left - ox * stride), last_x = min_l(kernel, width + left - ox * stride);
        long x0 = ox * stride - left;
        float *out = output + ox * channels;
        // Four neighbouring outputs whose taps all fall inside the row: each weight vector loaded once serves
        // four multiply-adds (the loads, not the arithmetic, bound this loop). Same order of operations per value.
        if (ox + 4 <= out_width && x0 >= 0 && (ox + 3) * stride - left + kernel <= width) {
            long c4 = 0;
            for (; c4 + 16 <= channels; c4 += 16) {
                __m256 a[4], b[4];
                for (int j = 0; j < 4; j++) { a[j] = _mm256_loadu_ps(bias + c4); b[j] = _mm256_loadu_ps(bias + c4 + 8); }
                for (long ky = first_y; ky < last_y; ky++) {
                    const float *x = input + ((y0 + ky) * width + x0) * channels + c4;
                    const float *w = weight + ky * kernel * channels + c4;
                    for (long kx = 0; kx < kernel; kx++) {
                        __m256 w0 = _mm256_loadu_ps(w + kx * channels), w1 = _mm256_loadu_ps(w + kx * channels + 8);
                        for (int j = 0; j < 4; j++) {
                            const float *xp = x + (j * stride + kx) * channels;
                            a[j] = _mm256_add_ps(a[j], _mm256_mul_ps(w0, _mm256_loadu_ps(xp)));
                            b[j] = _mm256_add_ps(b[j], _mm256_mul_ps(w1, _mm256_loadu_ps(xp + 8)));
                        }
                    }
                }
                for (int j = 0; j < 4; j++) {
                    if (relu6) {
                        a[j] = _mm256_min_ps(_mm256_max_ps(a[j], zero), six);
                        b[j] = _mm256_min_ps(_mm256_max_ps(b[j], zero), six);
                    }
                    _mm256_storeu_ps(out + j * channels + c4, a[j]);
                    _mm256_storeu_ps(out + j * channels + c4 + 8, b[j]);
                }
            }
            for (int j = 0; j < 4; j++)   // channels past the last 16
                position_scalar(out + j * channels, input, weight, bias, relu6, width, channels, kernel, first_y,
                                last_y, 0, kernel, y0, x0 + j * stride, c4);
            ox += 3;
            continue;
        }
        long c = 0;
        for (; c + 32 <= channels; c += 32) {
            __m256 s0 = _mm256_loadu_ps(bias + c), s1 = _mm256_loadu_ps(bias + c + 8);
            __m256 s2 = _mm256_loadu_ps(bias + c + 16), s3 = _mm256_loadu_ps(bias + c + 24);
            for (long ky = first_y; ky < last_y; ky++) {
                const float *x = input + ((y0 + ky) * width + x0) * channels + c;
                const float *w = weight + ky * kernel * channels + c;
                for (long kx = first_x; kx < last_x; kx++) {
                    const float *xp = x + kx * channels, *wp = w + kx * channels;
                    s0 = _mm256_add_ps(s0, _mm256_mul_ps(_mm256_loadu_ps(wp), _mm256_loadu_ps(xp)));
                    s1 = _mm256_add_ps(s1, _mm256_mul_ps(_mm256_loadu_ps(wp + 8), _mm256_loadu_ps(xp + 8)));
                    s2 = _mm256_add_ps(s2, _mm256_mul_ps(_mm256_loadu_ps(wp + 16), _mm256_loadu_ps(xp + 16)));
                    s3 = _mm256_add_ps(s3, _mm256_mul_ps(_mm256_loadu_ps(wp + 24), _mm256_loadu_ps(xp + 24)));
                }
            }
            if (relu6) {
                s0 = _mm256_min_ps(_mm256_max_ps(s0, zero), six); s1 = _mm256_min_ps(_mm256_max_ps(s1, zero), six);
                s2 = _mm256_min_ps(_mm256_max_ps(s2, zero), six); s3 = _mm256_min_ps(_mm256_max_ps(s3, zero), six);
            }
            _mm256_storeu_ps(out + c, s0); _mm256_storeu_ps(out + c + 8, s1);
            _mm256_storeu_ps(out + c + 16, s2); _mm256_storeu_ps(out + c + 24, s3);
        }
        for (; c + 8 <= channels; c += 8) {
            __m256 s = _mm256_loadu_ps(bias + c);
            for (long ky = first_y; ky < last_y; ky++)
                for (long kx = first_x; kx < last_x; kx++)
                    s = _mm256_add_ps(s, _mm256_mul_ps(_mm256_loadu_ps(weight + (ky * kernel + kx) * channels + c),
                                                       _mm256_loadu_ps(input + ((y0 + ky) * width + x0 + kx) * channels + c)));
            if (relu6) s = _mm256_min_ps(_mm256_max_ps(s, zero), six);
            _mm256_storeu_ps(out + c, s);
        }
        position_scalar(out, input, weight, bias, relu6, width, channels, kernel, first_y, last_y, first_x, last_x,
                        y0, x0, c);
    }
}
#endif

int attend_depthwise_uses_avx2(void) {
#if defined(__x86_64__)
    static int avx2 = -1;
    if (avx2 < 0) { __builtin_cpu_init(); avx2 = __builtin_cpu_supports("avx2") ? 1 : 0; }
    return avx2;
#else
    return 0;
#endif
}

void attend_depthwise_row(float *output, const float *input, const float *weight, const float *bias, int relu6,
                          long height, long width, long channels, long kernel, long stride, long out_y,
                          long out_width, long top, long left) {
#if defined(__x86_64__)
    if (attend_depthwise_uses_avx2()) {
        row_avx2(output, input, weight, bias, relu6, height, width, channels, kernel, stride, out_y, out_width, top, left);
        return;
    }
#endif
    row_generic(output, input, weight, bias, relu6, height, width, channels, kernel, stride, out_y, out_width, top, left);
}
