/*
 * embedded.h - the schema steps and default fixtures compiled into the binary
 * (generated from the .sql files of schema/ and fixtures/ by tools/embed.py at build
 * time). Static data: never freed, sorted by file name.
 *
 * embedded_image is the database those make (tools/store_image.c runs them
 * at build time): what store_open_image() copies into a new database. It
 * lives in its own library, so the build step that makes it links without it.
 */
#ifndef ISC_STORE_EMBEDDED_H
#define ISC_STORE_EMBEDDED_H

#include <stddef.h>

#include "store.h"

extern const struct store_file embedded_schema[];
extern const size_t embedded_schema_count;
extern const struct store_file embedded_fixtures[];
extern const size_t embedded_fixtures_count;
extern const struct store_image embedded_image;

#endif
