// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the JSON writer behind snapadm -j. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

struct buf {
	char *data;
	size_t len;
	FILE *f;
	struct json_writer w;
};

static int setup(void **state)
{
	struct buf *b = calloc(1, sizeof(*b));

	if (!b)
		return -1;
	b->f = open_memstream(&b->data, &b->len);
	if (!b->f) {
		free(b);
		return -1;
	}
	json_init(&b->w, b->f);
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct buf *b = *state;

	if (b->f)
		fclose(b->f);
	free(b->data);
	free(b);
	return 0;
}

static const char *text(struct buf *b)
{
	fflush(b->f);
	return b->data;
}

static void test_nested_object_and_array(void **state)
{
	struct buf *b = *state;

	json_object_start(&b->w);
	json_kv_string(&b->w, "nqn", "nqn.2023-05.io.nvda.nvme:0");
	json_kv_uint(&b->w, "nn", 1024);
	json_key(&b->w, "namespaces");
	json_array_start(&b->w);
	json_uint(&b->w, 1);
	json_uint(&b->w, 2);
	json_array_end(&b->w);
	json_kv_bool(&b->w, "ready", false);
	json_object_end(&b->w);
	assert_int_equal(json_finish(&b->w), 0);
	assert_string_equal(text(b),
			    "{\n"
			    "  \"nqn\": \"nqn.2023-05.io.nvda.nvme:0\",\n"
			    "  \"nn\": 1024,\n"
			    "  \"namespaces\": [\n"
			    "    1,\n"
			    "    2\n"
			    "  ],\n"
			    "  \"ready\": false\n"
			    "}\n");
}

static void test_empty_containers(void **state)
{
	struct buf *b = *state;

	json_array_start(&b->w);
	json_object_start(&b->w);
	json_object_end(&b->w);
	json_array_start(&b->w);
	json_array_end(&b->w);
	json_array_end(&b->w);
	assert_int_equal(json_finish(&b->w), 0);
	assert_string_equal(text(b), "[\n  {},\n  []\n]\n");
}

static void test_string_escaping(void **state)
{
	struct buf *b = *state;

	json_string(&b->w, "a\"b\\c\nd\x01\te");
	assert_int_equal(json_finish(&b->w), 0);
	assert_string_equal(text(b), "\"a\\\"b\\\\c\\nd\\u0001\\te\"\n");
}

static void test_null_string_and_negative(void **state)
{
	struct buf *b = *state;

	json_array_start(&b->w);
	json_string(&b->w, NULL);
	json_int(&b->w, -22);
	json_null(&b->w);
	json_array_end(&b->w);
	assert_int_equal(json_finish(&b->w), 0);
	assert_string_equal(text(b), "[\n  null,\n  -22,\n  null\n]\n");
}

static void test_unbalanced_is_reported(void **state)
{
	struct buf *b = *state;

	json_object_start(&b->w);
	assert_int_equal(json_finish(&b->w), -1);
}

static void test_too_deep_is_reported(void **state)
{
	struct buf *b = *state;

	for (int i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_array_start(&b->w);
	assert_int_equal(json_finish(&b->w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nested_object_and_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_string_and_negative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbalanced_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_deep_is_reported, setup, teardown),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
