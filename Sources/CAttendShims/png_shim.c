// libpng behind setjmp: every libpng call that can fail runs inside one of these functions, whose
// setjmp catches the longjmp of our error handler, so no error ever unwinds a Swift frame.
#include "attend_shims.h"
#include "shim_common.h"
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

struct attend_png_reader {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size, offset;
    int output_channels;                // promised by attend_png_open, checked by attend_png_read
    int rows_done;                      // every pixel was read; only the chunks after them remain
    int status;                         // ATTEND_* of the error being raised
    char error[ATTEND_MESSAGE_LENGTH];
    attend_warnings warnings;
    jmp_buf jump;
};

// MARK: - Callbacks

static void on_error(png_structp png, png_const_charp text) {
    attend_png_reader *r = (attend_png_reader *)png_get_error_ptr(png);
    if (r->status == ATTEND_OK) {
        // libpng says "Out of memory" or "out of memory"
        r->status = strstr(text, "ut of memory") != NULL ? ATTEND_OUT_OF_MEMORY : ATTEND_CORRUPT;
    }
    snprintf(r->error, sizeof r->error, "%s", text);
    longjmp(r->jump, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    attend_png_reader *r = (attend_png_reader *)png_get_error_ptr(png);
    attend_warnings_add(&r->warnings, text);
}

static void read_bytes(png_structp png, png_bytep out, png_size_t length) {
    attend_png_reader *r = (attend_png_reader *)png_get_io_ptr(png);
    if (length > r->size - r->offset) {
        r->status = ATTEND_TRUNCATED;
        png_error(png, "the file ends before the image data does");
    }
    memcpy(out, r->data + r->offset, length);
    r->offset += length;
}

// MARK: - Reading

int attend_png_open(const uint8_t *data, size_t size, attend_png_reader **reader, attend_png_header *header,
                    char *message, size_t capacity) {
    *reader = NULL;
    memset(header, 0, sizeof *header);
    attend_png_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        attend_set_message(message, capacity, "out of memory");
        return ATTEND_OUT_OF_MEMORY;
    }
    r->data = data;
    r->size = size;
    r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, on_error, on_warning);
    if (r->png != NULL) r->info = png_create_info_struct(r->png);
    if (r->png == NULL || r->info == NULL) {
        attend_png_close(r);
        attend_set_message(message, capacity, "out of memory");
        return ATTEND_OUT_OF_MEMORY;
    }
    if (setjmp(r->jump)) {
        int status = r->status;
        attend_set_message(message, capacity, r->error);
        attend_png_close(r);
        return status;
    }
    png_set_read_fn(r->png, r, read_bytes);
    // The caller checks width × height against its own limit (with a clearer message), so libpng's
    // default 1,000,000-pixel side limit is lifted to what the format allows.
    png_set_user_limits(r->png, 0x7fffffffU, 0x7fffffffU);
    // Ancillary chunks are where zlib bombs hide (zTXt, iTXt, iCCP): at most 1,000 kept, 16 MB each.
    png_set_chunk_cache_max(r->png, 1000);
    png_set_chunk_malloc_max(r->png, 16u << 20);
    png_read_info(r->png, r->info);

    png_uint_32 width, height;
    int bit_depth, color_type, interlace;
    png_get_IHDR(r->png, r->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    header->width = width;
    header->height = height;
    header->bit_depth = bit_depth;
    header->color_type = color_type;
    header->channels = png_get_channels(r->png, r->info);
    header->interlaced = interlace != PNG_INTERLACE_NONE;
    header->has_trns = png_get_valid(r->png, r->info, PNG_INFO_tRNS) != 0;
    header->has_iccp = png_get_valid(r->png, r->info, PNG_INFO_iCCP) != 0;
    header->output_channels = ((color_type & PNG_COLOR_MASK_ALPHA) || header->has_trns) ? 4 : 3;
    r->output_channels = header->output_channels;
    png_bytep exif = NULL;
    png_uint_32 exif_length = 0;
    if (png_get_eXIf_1(r->png, r->info, &exif_length, &exif) != 0 && exif != NULL) {
        header->exif = exif;
        header->exif_length = exif_length;
    }
    *reader = r;
    return ATTEND_OK;
}

int attend_png_read(attend_png_reader *r, uint8_t *pixels, int allow_truncated, char *message, size_t capacity) {
    if (setjmp(r->jump)) {
        if (r->rows_done && allow_truncated && r->status == ATTEND_TRUNCATED) {
            attend_warnings_add(&r->warnings, "truncated: the file ends after the image data but before its end");
            return ATTEND_OK;
        }
        attend_set_message(message, capacity, r->error);
        return r->status;
    }
    png_set_expand(r->png);         // palette → RGB, grey below 8 bits → 8 bits, tRNS → alpha
    png_set_scale_16(r->png);       // 16 → 8 bits rounded to nearest (not the high byte)
    png_set_gray_to_rgb(r->png);
    int passes = png_set_interlace_handling(r->png);
    png_read_update_info(r->png, r->info);

    png_uint_32 width = png_get_image_width(r->png, r->info);
    png_uint_32 height = png_get_image_height(r->png, r->info);
    int channels = png_get_channels(r->png, r->info);
    size_t stride = (size_t)width * (size_t)channels;
    if (channels != r->output_channels || png_get_bit_depth(r->png, r->info) != 8 ||
        png_get_rowbytes(r->png, r->info) != stride) {
        r->status = ATTEND_CORRUPT;
        png_error(r->png, "unexpected row layout after expansion");
    }
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(r->png, pixels + (size_t)y * stride, NULL);
        }
    }
    // On to IEND: a file that stops short of it is truncated, as a JPEG without its end marker is.
    r->rows_done = 1;
    png_read_end(r->png, NULL);
    return ATTEND_OK;
}

int attend_png_warning_count(const attend_png_reader *r) { return r->warnings.count; }

const char *attend_png_warning(const attend_png_reader *r, int index) {
    return attend_warnings_get(&r->warnings, index);
}

void attend_png_close(attend_png_reader *r) {
    if (r == NULL) return;
    if (r->png != NULL) png_destroy_read_struct(&r->png, r->info != NULL ? &r->info : NULL, NULL);
    free(r);
}

// MARK: - Writing

typedef struct {
    uint8_t *bytes;
    size_t size, capacity;
    int failed;
    char error[ATTEND_MESSAGE_LENGTH];
    jmp_buf jump;
} png_sink;

static void sink_error(png_structp png, png_const_charp text) {
    png_sink *s = (png_sink *)png_get_error_ptr(png);
    snprintf(s->error, sizeof s->error, "%s", text);
    longjmp(s->jump, 1);
}

static void sink_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void sink_write(png_structp png, png_bytep data, png_size_t length) {
    png_sink *s = (png_sink *)png_get_io_ptr(png);
    if (length > s->capacity - s->size) {
        size_t capacity = s->capacity < 4096 ? 4096 : s->capacity;
        while (length > capacity - s->size) capacity *= 2;
        uint8_t *grown = realloc(s->bytes, capacity);
        if (grown == NULL) {
            s->failed = 1;
            png_error(png, "out of memory");
        }
        s->bytes = grown;
        s->capacity = capacity;
    }
    memcpy(s->bytes + s->size, data, length);
    s->size += length;
}

static void sink_flush(png_structp png) { (void)png; }

int attend_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int compression,
                      uint8_t **png_out, size_t *png_size, char *message, size_t capacity) {
    *png_out = NULL;
    *png_size = 0;
    if ((channels != 3 && channels != 4) || width == 0 || height == 0) {
        attend_set_message(message, capacity, "PNG writer takes 8-bit RGB or RGBA of at least 1×1");
        return ATTEND_UNSUPPORTED;
    }
    png_sink *s = calloc(1, sizeof *s);
    if (s == NULL) {
        attend_set_message(message, capacity, "out of memory");
        return ATTEND_OUT_OF_MEMORY;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, s, sink_error, sink_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        if (png != NULL) png_destroy_write_struct(&png, NULL);
        free(s);
        attend_set_message(message, capacity, "out of memory");
        return ATTEND_OUT_OF_MEMORY;
    }
    if (setjmp(s->jump)) {
        attend_set_message(message, capacity, s->error);
        png_destroy_write_struct(&png, &info);
        free(s->bytes);
        free(s);
        return ATTEND_OUT_OF_MEMORY;
    }
    png_set_write_fn(png, s, sink_write, sink_flush);
    if (compression >= 0) png_set_compression_level(png, compression > 9 ? 9 : compression);
    png_set_IHDR(png, info, width, height, 8, channels == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *png_out = s->bytes;
    *png_size = s->size;
    free(s);
    return ATTEND_OK;
}

void attend_free(void *pointer) { free(pointer); }
