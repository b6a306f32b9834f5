#include "attend_shims.h"
#include <zlib.h>

uint32_t attend_crc32(uint32_t crc, const uint8_t *bytes, size_t length) {
    // zlib comes with libpng; its crc32 is the reference the model format names.
    while (length > 0) {
        uInt chunk = length > 0x40000000u ? 0x40000000u : (uInt)length;
        crc = (uint32_t)crc32(crc, bytes, chunk);
        bytes += chunk;
        length -= chunk;
    }
    return crc;
}
