#ifndef ATTEND_SHIMS_H
#define ATTEND_SHIMS_H
// C helpers for attend. libpng and libjpeg report errors by longjmp, which must never cross a Swift
// frame: every call that can fail runs inside a setjmp in these C functions and returns an error code.
// Nothing here prints: warnings are collected on the reader, errors come back as a code and a message.
#include <stddef.h>
#include <stdint.h>
#include "cpu_features.h"
#include "heap_reuse.h"
#include "depthwise_row.h"

/// CRC-32 (IEEE 802.3, as zlib.crc32) of `length` bytes, continuing from `crc` (0 to start).
uint32_t attend_crc32(uint32_t crc, const uint8_t *bytes, size_t length);

// MARK: - Status codes shared by the image functions

enum {
    ATTEND_OK = 0,
    ATTEND_CORRUPT = 1,       ///< the data breaks the format
    ATTEND_TRUNCATED = 2,     ///< the data ends before the image does
    ATTEND_OUT_OF_MEMORY = 3, ///< an allocation failed
    ATTEND_UNSUPPORTED = 4,   ///< a valid file of a variant libjpeg/libpng here cannot decode (12-bit, lossless…)
};

/// How many warnings a reader keeps the text of (all are counted).
enum { ATTEND_KEPT_WARNINGS = 8 };

/// Frees what an encoder returned.
void attend_free(void *pointer);

// MARK: - PNG reading

typedef struct attend_png_reader attend_png_reader;

typedef struct {
    uint32_t width, height;
    int bit_depth;            ///< 1, 2, 4, 8 or 16, as stored
    int color_type;           ///< PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
    int channels;             ///< stored channels (palette: 1)
    int interlaced;           ///< Adam7
    int has_trns;             ///< a tRNS chunk (transparency without an alpha channel)
    int has_iccp;
    int output_channels;      ///< what attend_png_read writes: 3 (RGB) or 4 (RGBA: alpha or tRNS present)
    const uint8_t *exif;      ///< eXIf chunk before the image data (TIFF bytes), valid until close; or NULL
    size_t exif_length;
} attend_png_header;

/// Reads the signature and every chunk up to the image data. `data` must outlive the reader.
int attend_png_open(const uint8_t *data, size_t size, attend_png_reader **reader, attend_png_header *header,
                    char *message, size_t capacity);
/// Decodes the whole image, 8 bits per channel, `header.output_channels` channels, rows packed
/// (stride width × channels): palette and low bit depths expanded, grey copied to R, G and B, 16-bit
/// samples rounded to 8 bits (v × 255 / 65535, to nearest), tRNS turned into alpha. Alpha is left for
/// the caller to composite. Reads on to IEND: a file that ends before it fails with ATTEND_TRUNCATED,
/// unless every pixel was read and `allow_truncated` is 1 (then a warning says so).
int attend_png_read(attend_png_reader *reader, uint8_t *pixels, int allow_truncated, char *message, size_t capacity);
/// libpng warnings seen so far (at most a few are kept, all are counted).
int attend_png_warning_count(const attend_png_reader *reader);
const char *attend_png_warning(const attend_png_reader *reader, int index);
void attend_png_close(attend_png_reader *reader);

// MARK: - PNG writing

/// Encodes 8-bit RGB (channels 3) or RGBA (channels 4) rows, packed, into a PNG held in memory.
/// `compression` is zlib's level 0–9 (-1: libpng's default). Free `*png` with attend_free.
int attend_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int compression,
                      uint8_t **png, size_t *png_size, char *message, size_t capacity);

// MARK: - JPEG reading

typedef struct attend_jpeg_reader attend_jpeg_reader;

/// Colour spaces, as libjpeg's J_COLOR_SPACE numbers them.
enum {
    ATTEND_JCS_UNKNOWN = 0, ATTEND_JCS_GRAYSCALE = 1, ATTEND_JCS_RGB = 2, ATTEND_JCS_YCBCR = 3,
    ATTEND_JCS_CMYK = 4, ATTEND_JCS_YCCK = 5,
};

typedef struct {
    uint32_t width, height;
    int components;           ///< 1, 3 or 4
    int color_space;          ///< ATTEND_JCS_*, libjpeg's reading of the markers
    int precision;            ///< bits per sample (8)
    int progressive;
    int arithmetic;
    int restart_interval;     ///< MCUs between restart markers, 0 when none
    int h_samp[4], v_samp[4]; ///< per-component sampling factors
    int adobe;                ///< an Adobe APP14 marker: CMYK/YCCK values are stored inverted
    int has_icc;              ///< an ICC_PROFILE APP2 marker
    const uint8_t *exif;      ///< first APP1 "Exif" payload (TIFF bytes), valid until close; or NULL
    size_t exif_length;
} attend_jpeg_header;

/// Reads the markers up to the first scan. With `allow_truncated` 0, a file that ends early fails
/// with ATTEND_TRUNCATED; with 1 the missing part is left grey, as libjpeg does, and a warning says so.
int attend_jpeg_open(const uint8_t *data, size_t size, int allow_truncated, attend_jpeg_reader **reader,
                     attend_jpeg_header *header, char *message, size_t capacity);
/// Starts decoding at 1/`scale_denominator` size (1, 2, 4 or 8: libjpeg's DCT scaling). Output is RGB,
/// or CMYK as stored (4 channels) for CMYK and YCCK files.
int attend_jpeg_start(attend_jpeg_reader *reader, int scale_denominator, uint32_t *width, uint32_t *height,
                      int *channels, char *message, size_t capacity);
/// Decodes every row into `pixels` (packed, width × channels per row) and reads to the end marker.
int attend_jpeg_read(attend_jpeg_reader *reader, uint8_t *pixels, char *message, size_t capacity);
/// libjpeg warnings (corrupt data it recovered from; with allow_truncated, the file ending early).
int attend_jpeg_warning_count(const attend_jpeg_reader *reader);
const char *attend_jpeg_warning(const attend_jpeg_reader *reader, int index);
void attend_jpeg_close(attend_jpeg_reader *reader);

// MARK: - JPEG writing (test fixtures and the benchmark's input)

typedef struct {
    int quality;              ///< 1–100
    int progressive;
    int arithmetic;
    int restart_interval;     ///< MCUs between restart markers, 0 for none
    int h_samp, v_samp;       ///< first component's sampling: 1,1 = 4:4:4; 2,1 = 4:2:2; 2,2 = 4:2:0 (0: default)
    int color_space;          ///< ATTEND_JCS_* stored; 0 for libjpeg's default (grey, YCbCr, CMYK)
    const uint8_t *app1;      ///< bytes of an APP1 marker to write (e.g. "Exif\0\0" + TIFF), or NULL
    size_t app1_length;
} attend_jpeg_encode_options;

/// Encodes packed 8-bit rows of 1 (grey), 3 (RGB) or 4 (CMYK, written as given) components.
/// Free `*jpeg` with attend_free.
int attend_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int components,
                       const attend_jpeg_encode_options *options, uint8_t **jpeg, size_t *jpeg_size,
                       char *message, size_t capacity);

#endif
