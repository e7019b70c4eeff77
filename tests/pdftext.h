/*
 * pdftext.h - reading a PDF back as text with pdftotext (poppler-utils), for
 * the unit and e2e tests of the PDF reports.
 *
 * pdftext_run() gives the text of every page in layout mode (one table row
 * per line, pages separated by form feeds). pdftext_row() checks that a line
 * shows a row's cells in order, each whole or cut short with an ellipsis, as
 * the renderer draws a cell wider than its column. Header-only: each test
 * program includes it once.
 */
#ifndef ISC_TESTS_PDFTEXT_H
#define ISC_TESTS_PDFTEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PDFTEXT_ELLIPSIS "\xe2\x80\xa6"

/* The text of the `len` bytes of PDF at `pdf` (malloc'd, NUL-terminated), or NULL. */
static inline char *pdftext_run(const void *pdf, size_t len)
{
    char path[] = "/tmp/pdftext-XXXXXX", cmd[128];
    char *out = NULL;
    size_t n = 0, cap = 0;
    FILE *p;
    int fd = mkstemp(path), ok;
    if (fd < 0)
        return NULL;
    ok = write(fd, pdf, len) == (ssize_t)len;
    close(fd);
    snprintf(cmd, sizeof(cmd), "pdftotext -layout -enc UTF-8 %s - 2>/dev/null", path);
    if (ok && (p = popen(cmd, "r")) != NULL) {
        for (;;) {
            if (n + 4097 > cap) {
                char *bigger = realloc(out, cap = (cap + 4097) * 2);
                if (!bigger)
                    break;
                out = bigger;
            }
            size_t r = fread(out + n, 1, 4096, p);
            if (r == 0)
                break;
            n += r;
        }
        if (pclose(p) != 0 || !out) {
            free(out);
            out = NULL;
        } else {
            out[n] = '\0';
        }
    }
    unlink(path);
    return out;
}

/*
 * Matches `cell` in `line` at a cell boundary at or after *pos: whole, or a
 * non-empty prefix followed by the ellipsis. A space in the cell matches one
 * or more spaces. 1 and *pos past the match, or 0.
 */
static inline int pdftext_cell(const char *line, size_t *pos, const char *cell)
{
    const size_t ell = strlen(PDFTEXT_ELLIPSIS);
    for (size_t start = *pos; line[start]; start++) {
        size_t i = start, k = 0;
        if (line[start] == '\n')
            break; /* the line ends */
        if (start > 0 && line[start - 1] != ' ')
            continue;
        while (cell[k]) {
            if (cell[k] == ' ' && line[i] == ' ') {
                while (line[i] == ' ')
                    i++;
                k++;
            } else if (line[i] == cell[k]) {
                i++;
                k++;
            } else {
                break;
            }
        }
        if (!cell[k] && (line[i] == ' ' || line[i] == '\n' || line[i] == '\0')) {
            *pos = i;
            return 1;
        }
        if (cell[k] && k > 0 && strncmp(line + i, PDFTEXT_ELLIPSIS, ell) == 0) {
            *pos = i + ell;
            return 1;
        }
    }
    return 0;
}

/* 1 when `line` shows the n cells in order (empty cells are not looked for). */
static inline int pdftext_row(const char *line, size_t n, const char *const *cells)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        if (cells[i] && cells[i][0] && !pdftext_cell(line, &pos, cells[i]))
            return 0;
    return 1;
}

/* The number of form-feed separated pages in pdftotext's output. */
static inline int pdftext_pages(const char *text)
{
    int pages = 0;
    for (const char *p = text; *p; p++)
        pages += *p == '\f';
    return pages;
}

#endif
