/*
 * fuzz_report_validate.c - libFuzzer target for report_validate()
 * (reports/validate.h): the whole input is a startReport body.
 *
 * Checks, besides "no crash, leak or UB": a refusal says why (in well-formed
 * UTF-8 once scrubbed, as the error body sends it) and leaves the outputs
 * untouched; an acceptance names a known type, gives one of the three format
 * lists, and canonical arguments that are a JSON object with sorted keys at
 * every depth, that print back to themselves, and that validate again to the
 * same canonical text and formats.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "core/utf8.h"
#include "fuzz.h"
#include "reports/validate.h"

/* Keys of every object under `node` are in strict byte order (so no duplicates). */
static int keys_sorted(const cJSON *node)
{
    const cJSON *c;
    for (c = node->child; c; c = c->next) {
        if (cJSON_IsObject(node) && c->next &&
            strcmp(c->string ? c->string : "", c->next->string ? c->next->string : "") >= 0)
            return 0;
        if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && !keys_sorted(c))
            return 0;
    }
    return 1;
}

static int formats_ok(const char *f)
{
    return strcmp(f, "CSV,PDF") == 0 || strcmp(f, "CSV") == 0 || strcmp(f, "PDF") == 0;
}

/* The accepted arguments, sent again under the same type, come back unchanged. */
static void revalidate(const struct report_type *t, const char *canon, const char *formats)
{
    cJSON *body = cJSON_CreateObject(), *args = cJSON_Parse(canon);
    const struct report_type *t2 = NULL;
    char *canon2 = NULL, *text;
    char formats2[16] = "", why[256] = "";
    enum err e;

    FUZZ_CHECK(body && args, "canonical arguments do not parse: %s", canon);
    FUZZ_CHECK(cJSON_IsObject(args), "canonical arguments are not an object: %s", canon);
    FUZZ_CHECK(keys_sorted(args), "canonical keys are not sorted: %s", canon);
    FUZZ_CHECK(cJSON_AddStringToObject(body, "reportType", t->name) != NULL, "out of memory");
    FUZZ_CHECK(cJSON_AddItemToObject(body, "arguments", args), "out of memory");
    text = cJSON_PrintUnformatted(body);
    FUZZ_CHECK(text != NULL, "out of memory");
    e = report_validate(text, strlen(text), &t2, &canon2, formats2, sizeof(formats2), why,
                        sizeof(why));
    FUZZ_CHECK(e == ERR_OK, "canonical arguments refused (%s): %s", why, text);
    FUZZ_CHECK(t2 == t, "type changed: %s -> %s", t->name, t2 ? t2->name : "(null)");
    FUZZ_CHECK(strcmp(canon2, canon) == 0, "canonical text not stable: %s -> %s", canon, canon2);
    FUZZ_CHECK(strcmp(formats2, formats) == 0, "formats changed: %s -> %s", formats, formats2);
    free(canon2);
    cJSON_free(text);
    cJSON_Delete(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_bytes(data, size);
    const struct report_type *const sentinel = (const struct report_type *)&sentinel;
    const struct report_type *t = sentinel;
    char *canon = (char *)&canon;
    char formats[16] = "untouched", why[256] = "untouched";
    enum err e;

    e = report_validate(body, size, &t, &canon, formats, sizeof(formats), why, sizeof(why));
    FUZZ_CHECK(e == ERR_OK || e == ERR_BAD_REQUEST, "unexpected status %d", (int)e);
    FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL, "why is not terminated");
    if (e != ERR_OK) {
        FUZZ_CHECK(why[0] != '\0' && strcmp(why, "untouched") != 0, "refusal without a reason");
        FUZZ_CHECK(t == sentinel && canon == (char *)&canon && strcmp(formats, "untouched") == 0,
                   "outputs touched on failure");
        utf8_scrub(why);
        FUZZ_CHECK(utf8_valid(why), "scrubbed reason is not UTF-8: %s", why);
        goto out;
    }
    FUZZ_CHECK(t != sentinel && t != NULL && report_type_find(t->name) == t, "bad type");
    FUZZ_CHECK(canon != NULL && canon != (char *)&canon, "no canonical arguments");
    FUZZ_CHECK(formats_ok(formats), "bad formats '%s'", formats);
    FUZZ_CHECK(t->has_selected_formats || strcmp(formats, "CSV,PDF") == 0,
               "%s has no selectedFormats but got '%s'", t->name, formats);
    revalidate(t, canon, formats);
    free(canon);
out:
    free(body);
    return 0;
}
