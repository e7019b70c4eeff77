/*
 * embedded.h - the schema steps and default fixtures compiled into the binary
 * (generated from the .sql files of schema/ and fixtures/ by tools/embed.py at build
 * time). Static data: never freed, sorted by file name.
 */
#ifndef ISC_STORE_EMBEDDED_H
#define ISC_STORE_EMBEDDED_H

#include <stddef.h>

#include "store.h"

extern const struct store_file embedded_schema[];
extern const size_t embedded_schema_count;
extern const struct store_file embedded_fixtures[];
extern const size_t embedded_fixtures_count;

#endif
