/*
 * control_ui.c - the live console: GET /mock/ui answers its page and
 * GET /mock/ui/{file} its style sheet and script. The files are kept as
 * they are in server/ui/ and built into the binary by tools/embed_ui.py,
 * so the console works offline with nothing but the server. The page needs
 * no credentials to load (a browser cannot send a bearer token when it
 * navigates); it then asks for the admin token, when one is set, and drives
 * the server through /mock/ and the public API like any other client.
 * Host and Origin are checked as on every /mock/ route (control_guard).
 */
#include <string.h>

#include "api.h"
#include "control.h"
#include "control_routes.h"

/* One embedded file: its name in server/ui/, its bytes and their count. */
struct ui_file {
    const char *name;
    const unsigned char *data;
    size_t len;
};

#include "api/ui_files.h" /* generated: static const struct ui_file ui_files[] */

/* The Content-Type of each kind of file served: one table. */
static const struct {
    const char *ext, *type;
} ui_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
};

/* The page may load only its own files and talk only to its own server. */
#define UI_CSP                                                                                     \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "                \
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* The Content-Type for `name`, NULL for a kind of file not served. */
static const char *ui_type(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(ui_types) / sizeof(ui_types[0]); i++) {
        size_t e = strlen(ui_types[i].ext);
        if (n > e && strcmp(name + n - e, ui_types[i].ext) == 0)
            return ui_types[i].type;
    }
    return NULL;
}

/* Answers the embedded file `name`: 404 when there is none. */
static enum err ui_answer(struct api_req *rq, const char *name, struct api_res *rs)
{
    enum err e = control_guard(rq, rs);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < sizeof(ui_files) / sizeof(ui_files[0]); i++) {
        const char *type = ui_type(ui_files[i].name);
        if (strcmp(ui_files[i].name, name) != 0 || !type)
            continue;
        rs->static_body = ui_files[i].data; /* built in: sent without a copy */
        rs->static_len = ui_files[i].len;
        rs->status = 200;
        rs->content_type = type;
        api_res_header(rs, "Cache-Control", "no-cache");
        api_res_header(rs, "X-Content-Type-Options", "nosniff");
        api_res_header(rs, "Content-Security-Policy", "%s", UI_CSP);
        return ERR_OK;
    }
    return api_fail(rs, ERR_NOT_FOUND, "The console has no file '%.64s'.", name);
}

/* GET /mock/ui: the page. */
enum err api_mock_ui(struct api_req *rq, struct api_res *rs)
{
    return ui_answer(rq, "index.html", rs);
}

/* GET /mock/ui/{file}: console.css, console.js. */
enum err api_mock_ui_file(struct api_req *rq, struct api_res *rs)
{
    return ui_answer(rq, rq->param ? rq->param : "", rs);
}
