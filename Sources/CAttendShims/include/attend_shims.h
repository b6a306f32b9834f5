#ifndef ATTEND_SHIMS_H
#define ATTEND_SHIMS_H
// C helpers for attend. libpng and libjpeg report errors by longjmp, which must never cross a Swift
// frame: every call that can fail runs inside a setjmp in these C functions and returns an error code.
#include <stddef.h>
#include <stdint.h>
#include "cpu_features.h"

/// CRC-32 (IEEE 802.3, as zlib.crc32) of `length` bytes, continuing from `crc` (0 to start).
uint32_t attend_crc32(uint32_t crc, const uint8_t *bytes, size_t length);

#endif
