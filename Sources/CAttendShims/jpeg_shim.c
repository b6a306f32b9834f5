// libjpeg behind setjmp: our error_exit longjmps back into the C function that made the call, never
// through a Swift frame; warnings are collected on the reader instead of printed.
#include "attend_shims.h"
#include "shim_common.h"
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>

/// More scans than any encoder writes: a progressive file with thousands of tiny scans makes the
/// decoder revisit every block per scan, a known denial-of-service pattern (libjpeg-turbo's advice).
#define ATTEND_JPEG_MAX_SCANS 500

struct attend_jpeg_reader {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int status;                           // ATTEND_* of the error being raised
    char error[ATTEND_MESSAGE_LENGTH];
    int allow_truncated;
    int truncated;                        // a file-ends-early warning was recorded
    attend_warnings warnings;
};

// MARK: - Callbacks

static int status_for(int code) {
    switch (code) {
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
        return ATTEND_OUT_OF_MEMORY;
    case JERR_INPUT_EOF:
    case JERR_INPUT_EMPTY:
        return ATTEND_TRUNCATED;
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
        return ATTEND_UNSUPPORTED;
    default:
        return ATTEND_CORRUPT;
    }
}

static void raise_error(attend_jpeg_reader *r, int status, const char *text) {
    r->status = status;
    snprintf(r->error, sizeof r->error, "%s", text);
    longjmp(r->jump, 1);
}

static void on_error_exit(j_common_ptr c) {
    attend_jpeg_reader *r = (attend_jpeg_reader *)c->client_data;
    char text[JMSG_LENGTH_MAX];
    (*c->err->format_message)(c, text);
    raise_error(r, status_for(c->err->msg_code), text);
}

static void on_message(j_common_ptr c, int level) {
    if (level >= 0) return;  // trace messages
    attend_jpeg_reader *r = (attend_jpeg_reader *)c->client_data;
    c->err->num_warnings++;
    if (c->err->msg_code == JWRN_JPEG_EOF) {
        if (!r->allow_truncated) raise_error(r, ATTEND_TRUNCATED, "the file ends before the image data does");
        if (!r->truncated) {
            r->truncated = 1;
            attend_warnings_add(&r->warnings, "truncated: the file ends before the image data does; "
                                              "the rest of the picture is grey");
        }
        return;
    }
    if (r->warnings.count < ATTEND_KEPT_WARNINGS) {
        char text[JMSG_LENGTH_MAX];
        (*c->err->format_message)(c, text);
        attend_warnings_add(&r->warnings, text);
    } else {
        r->warnings.count++;
    }
}

static void on_progress(j_common_ptr c) {
    j_decompress_ptr d = (j_decompress_ptr)c;
    if (d->input_scan_number > ATTEND_JPEG_MAX_SCANS) {
        char text[ATTEND_MESSAGE_LENGTH];
        snprintf(text, sizeof text, "more than %d scans (a denial-of-service pattern)", ATTEND_JPEG_MAX_SCANS);
        raise_error((attend_jpeg_reader *)c->client_data, ATTEND_CORRUPT, text);
    }
}

// MARK: - Reading

int attend_jpeg_open(const uint8_t *data, size_t size, int allow_truncated, attend_jpeg_reader **reader,
                     attend_jpeg_header *header, char *message, size_t capacity) {
    *reader = NULL;
    memset(header, 0, sizeof *header);
    attend_jpeg_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        attend_set_message(message, capacity, "out of memory");
        return ATTEND_OUT_OF_MEMORY;
    }
    r->allow_truncated = allow_truncated;
    r->cinfo.err = jpeg_std_error(&r->jerr);
    r->jerr.error_exit = on_error_exit;
    r->jerr.emit_message = on_message;
    r->cinfo.client_data = r;
    if (setjmp(r->jump)) {
        int status = r->status;
        attend_set_message(message, capacity, r->error);
        attend_jpeg_close(r);
        return status;
    }
    jpeg_create_decompress(&r->cinfo);
    r->progress.progress_monitor = on_progress;
    r->cinfo.progress = &r->progress;
    jpeg_mem_src(&r->cinfo, data, (unsigned long)size);
    jpeg_save_markers(&r->cinfo, JPEG_APP0 + 1, 0xffff);  // EXIF
    jpeg_save_markers(&r->cinfo, JPEG_APP0 + 2, 16);      // ICC profile: only whether there is one
    jpeg_read_header(&r->cinfo, TRUE);

    struct jpeg_decompress_struct *c = &r->cinfo;
    header->width = c->image_width;
    header->height = c->image_height;
    header->components = c->num_components;
    header->color_space = (int)c->jpeg_color_space;
    header->precision = c->data_precision;
    header->progressive = c->progressive_mode;
    header->arithmetic = c->arith_code;
    header->restart_interval = (int)c->restart_interval;
    for (int i = 0; i < c->num_components && i < 4; i++) {
        header->h_samp[i] = c->comp_info[i].h_samp_factor;
        header->v_samp[i] = c->comp_info[i].v_samp_factor;
    }
    header->adobe = c->saw_Adobe_marker;
    for (jpeg_saved_marker_ptr m = c->marker_list; m != NULL; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && header->exif == NULL && m->data_length >= 6 &&
            memcmp(m->data, "Exif\0", 5) == 0) {
            header->exif = m->data + 6;
            header->exif_length = m->data_length - 6;
        }
        if (m->marker == JPEG_APP0 + 2 && m->data_length >= 12 && memcmp(m->data, "ICC_PROFILE\0", 12) == 0) {
            header->has_icc = 1;
        }
    }
    *reader = r;
    return ATTEND_OK;
}

int attend_jpeg_start(attend_jpeg_reader *r, int scale_denominator, uint32_t *width, uint32_t *height,
                      int *channels, char *message, size_t capacity) {
    if (setjmp(r->jump)) {
        attend_set_message(message, capacity, r->error);
        return r->status;
    }
    struct jpeg_decompress_struct *c = &r->cinfo;
    int cmyk = c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK;
    c->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    c->scale_num = 1;
    c->scale_denom = (unsigned)(scale_denominator == 2 || scale_denominator == 4 || scale_denominator == 8
                                ? scale_denominator : 1);
    c->dct_method = JDCT_ISLOW;          // the accurate integer IDCT (libjpeg's and Pillow's default)
    c->do_fancy_upsampling = TRUE;       // smooth chroma upsampling (default)
    jpeg_start_decompress(c);
    if (c->output_components != (cmyk ? 4 : 3)) {
        raise_error(r, ATTEND_UNSUPPORTED, "unexpected number of output components");
    }
    *width = c->output_width;
    *height = c->output_height;
    *channels = c->output_components;
    return ATTEND_OK;
}

int attend_jpeg_read(attend_jpeg_reader *r, uint8_t *pixels, char *message, size_t capacity) {
    if (setjmp(r->jump)) {
        attend_set_message(message, capacity, r->error);
        return r->status;
    }
    struct jpeg_decompress_struct *c = &r->cinfo;
    size_t stride = (size_t)c->output_width * (size_t)c->output_components;
    while (c->output_scanline < c->output_height) {
        JSAMPROW rows[16];
        JDIMENSION first = c->output_scanline;
        JDIMENSION count = c->output_height - first < 16 ? c->output_height - first : 16;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = pixels + (size_t)(first + i) * stride;
        if (jpeg_read_scanlines(c, rows, count) == 0) {
            raise_error(r, ATTEND_CORRUPT, "the decoder stopped producing rows");
        }
    }
    jpeg_finish_decompress(c);  // reads on to the end-of-image marker: a missing one means truncated
    return ATTEND_OK;
}

int attend_jpeg_warning_count(const attend_jpeg_reader *r) { return r->warnings.count; }

const char *attend_jpeg_warning(const attend_jpeg_reader *r, int index) {
    return attend_warnings_get(&r->warnings, index);
}

void attend_jpeg_close(attend_jpeg_reader *r) {
    if (r == NULL) return;
    jpeg_destroy_decompress(&r->cinfo);  // safe on a struct that was never created (mem is NULL)
    free(r);
}

// MARK: - Writing

typedef struct {
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    jmp_buf jump;
    char error[JMSG_LENGTH_MAX];
    unsigned char *buffer;
    unsigned long size;
} jpeg_encoder;

static void encoder_error_exit(j_common_ptr c) {
    jpeg_encoder *e = (jpeg_encoder *)c->client_data;
    (*c->err->format_message)(c, e->error);
    longjmp(e->jump, 1);
}

static void encoder_message(j_common_ptr c, int level) {
    (void)c;
    (void)level;
}

int attend_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int components,
                       const attend_jpeg_encode_options *options, uint8_t **jpeg, size_t *jpeg_size,
                       char *message, size_t capacity) {
    *jpeg = NULL;
    *jpeg_size = 0;
    if ((components != 1 && components != 3 && components != 4) || width == 0 || height == 0) {
        attend_set_message(message, capacity, "JPEG writer takes 1, 3 or 4 components and at least 1×1");
        return ATTEND_UNSUPPORTED;
    }
    jpeg_encoder *e = calloc(1, sizeof *e);
    if (e == NULL) {
        attend_set_message(message, capacity, "out of memory");
        return ATTEND_OUT_OF_MEMORY;
    }
    struct jpeg_compress_struct *c = &e->cinfo;
    c->err = jpeg_std_error(&e->jerr);
    e->jerr.error_exit = encoder_error_exit;
    e->jerr.emit_message = encoder_message;
    c->client_data = e;
    if (setjmp(e->jump)) {
        attend_set_message(message, capacity, e->error);
        jpeg_destroy_compress(c);
        free(e->buffer);
        free(e);
        return ATTEND_CORRUPT;
    }
    jpeg_create_compress(c);
    jpeg_mem_dest(c, &e->buffer, &e->size);
    c->image_width = width;
    c->image_height = height;
    c->input_components = components;
    c->in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(c);
    if (options->color_space != 0) jpeg_set_colorspace(c, (J_COLOR_SPACE)options->color_space);
    jpeg_set_quality(c, options->quality, TRUE);
    if (options->h_samp > 0 && options->v_samp > 0) {
        c->comp_info[0].h_samp_factor = options->h_samp;
        c->comp_info[0].v_samp_factor = options->v_samp;
    }
    c->arith_code = options->arithmetic ? TRUE : FALSE;
    c->restart_interval = (unsigned)options->restart_interval;
    if (options->progressive) jpeg_simple_progression(c);
    jpeg_start_compress(c, TRUE);
    if (options->app1 != NULL && options->app1_length > 0) {
        jpeg_write_marker(c, JPEG_APP0 + 1, options->app1, (unsigned)options->app1_length);
    }
    size_t stride = (size_t)width * (size_t)components;
    while (c->next_scanline < c->image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)c->next_scanline * stride);
        jpeg_write_scanlines(c, &row, 1);
    }
    jpeg_finish_compress(c);
    jpeg_destroy_compress(c);
    *jpeg = e->buffer;
    *jpeg_size = e->size;
    free(e);
    return ATTEND_OK;
}
