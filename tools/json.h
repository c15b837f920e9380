/* SPDX-License-Identifier: GPL-2.0 */
/* json.h - a tiny streaming JSON writer (one compact object per line). */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool comma[JSON_MAX_DEPTH];
};

/* @key is NULL inside arrays and for the top-level value. */
void json_init(struct json *j, FILE *f);
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
void json_end(struct json *j, char close);	/* '}' or ']'; newline after the top level */
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_num(struct json *j, const char *key, double v);	/* NaN/inf -> null */
void json_str(struct json *j, const char *key, const char *s);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

#endif
