/*
 * cairo_dl.h - the cairo functions the PDF renderer uses, bound at run time.
 *
 * cairo pulls in some twenty shared libraries (fontconfig, freetype, pixman,
 * png, X11...). Linking it would load them all at every start of the server,
 * which most runs never need; instead the library is opened by its soname the
 * first time a PDF is rendered, and its functions are looked up into a table.
 * The types come from cairo's own headers, so each pointer has exactly the
 * type of the function it holds.
 *
 * The table is never freed and the library never closed: both live until
 * the process ends.
 */
#ifndef ISC_REPORTS_CAIRO_DL_H
#define ISC_REPORTS_CAIRO_DL_H

#include <stddef.h>

#include <cairo-pdf.h>
#include <cairo.h>

#define CAIRO_DL_SONAME "libcairo.so.2"

/* X(name) for every function the renderer calls. */
#define CAIRO_DL_FUNCTIONS(X)                                                                      \
    X(cairo_pdf_surface_create_for_stream)                                                         \
    X(cairo_pdf_surface_set_metadata)                                                              \
    X(cairo_surface_status)                                                                        \
    X(cairo_surface_finish)                                                                        \
    X(cairo_surface_destroy)                                                                       \
    X(cairo_create)                                                                                \
    X(cairo_destroy)                                                                               \
    X(cairo_status)                                                                                \
    X(cairo_status_to_string)                                                                      \
    X(cairo_save)                                                                                  \
    X(cairo_restore)                                                                               \
    X(cairo_toy_font_face_create)                                                                  \
    X(cairo_font_face_status)                                                                      \
    X(cairo_font_face_destroy)                                                                     \
    X(cairo_set_font_face)                                                                         \
    X(cairo_set_font_size)                                                                         \
    X(cairo_font_extents)                                                                          \
    X(cairo_text_extents)                                                                          \
    X(cairo_set_source_rgb)                                                                        \
    X(cairo_set_line_width)                                                                        \
    X(cairo_rectangle)                                                                             \
    X(cairo_fill)                                                                                  \
    X(cairo_move_to)                                                                               \
    X(cairo_line_to)                                                                               \
    X(cairo_stroke)                                                                                \
    X(cairo_show_text)                                                                             \
    X(cairo_show_page)                                                                             \
    X(cairo_get_scaled_font)                                                                       \
    X(cairo_scaled_font_text_to_glyphs)                                                            \
    X(cairo_glyph_free)                                                                            \
    X(cairo_show_glyphs)

struct cairo_dl {
#define CAIRO_DL_MEMBER(name) __typeof__(name) *name;
    CAIRO_DL_FUNCTIONS(CAIRO_DL_MEMBER)
#undef CAIRO_DL_MEMBER
};

/*
 * The process-wide table, loaded from CAIRO_DL_SONAME on the first call
 * (thread-safe; later calls return the same answer). NULL when the library
 * or one of its functions is missing: `why` (may be NULL) then says which.
 */
const struct cairo_dl *cairo_dl_get(char *why, size_t whylen);

/*
 * Loads `soname` into *out, for cairo_dl_get() and for tests. 0, or -1 with
 * the reason in `why` (a library opened for a failed load is closed again).
 */
int cairo_dl_load(const char *soname, struct cairo_dl *out, char *why, size_t whylen);

#endif
