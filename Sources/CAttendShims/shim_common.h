#ifndef ATTEND_SHIM_COMMON_H
#define ATTEND_SHIM_COMMON_H
// Private helpers shared by the PNG and JPEG shims.
#include "attend_shims.h"
#include <stdio.h>
#include <string.h>

/// The first few (ATTEND_KEPT_WARNINGS) warnings a decoder gave, and how many there were in all.
#define ATTEND_MESSAGE_LENGTH 200
typedef struct {
    int count;
    char text[ATTEND_KEPT_WARNINGS][ATTEND_MESSAGE_LENGTH];
} attend_warnings;

static inline void attend_warnings_add(attend_warnings *w, const char *text) {
    if (w->count < ATTEND_KEPT_WARNINGS) {
        snprintf(w->text[w->count], ATTEND_MESSAGE_LENGTH, "%s", text);
    }
    w->count++;
}

static inline const char *attend_warnings_get(const attend_warnings *w, int index) {
    if (index < 0 || index >= w->count || index >= ATTEND_KEPT_WARNINGS) return "";
    return w->text[index];
}

/// Copies `text` into the caller's message buffer, when there is one.
static inline void attend_set_message(char *message, size_t capacity, const char *text) {
    if (message != NULL && capacity > 0) snprintf(message, capacity, "%s", text);
}

#endif
