// SPDX-License-Identifier: GPL-2.0-only
/* JSON writer: escaping of every kind of byte, nesting, misuse detection. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "utap.h"

struct out {
	char *text;
	size_t len;
	FILE *f;
};

static struct jsonw *start(struct out *o)
{
	o->f = open_memstream(&o->text, &o->len);
	return jsonw_new(o->f);
}

/* Close the stream; true if the text equals @want. */
static bool finish(struct out *o, struct jsonw **w, const char *want)
{
	bool same;

	jsonw_destroy(w);
	fclose(o->f);
	same = !strcmp(o->text, want);
	if (!same) {
		utap_diag("expected: %s", want);
		utap_diag("got:      %s", o->text);
	}
	free(o->text);
	return same;
}

/* One string value written at top level. */
static bool string_is(const char *in, size_t len, const char *want)
{
	struct out o;
	struct jsonw *w = start(&o);

	jsonw_string_len(w, in, len);
	return finish(&o, &w, want);
}

int main(void)
{
	struct out o;
	struct jsonw *w;
	bool misused;

	utap_plan(14);

	utap_ok(string_is("say \"hi\"", 8, "\"say \\\"hi\\\"\"\n"),
		"double quotes are escaped");
	utap_ok(string_is("C:\\dir", 6, "\"C:\\\\dir\"\n"), "backslashes are escaped");
	utap_ok(string_is("a\nb\tc\rd\be\ff", 11, "\"a\\nb\\tc\\rd\\be\\ff\"\n"),
		"newline, tab, CR, backspace and form feed use short escapes");
	utap_ok(string_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"\n"),
		"other control characters and DEL become \\u escapes");
	utap_ok(string_is("a\0b", 3, "\"a\\u0000b\"\n"),
		"an embedded NUL is escaped, not a terminator");
	utap_ok(string_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
			  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n"),
		"valid UTF-8 passes through unchanged");
	utap_ok(string_is("\xff\xfe", 2, "\"\\ufffd\\ufffd\"\n"),
		"bytes that never start UTF-8 become U+FFFD");
	utap_ok(string_is("x\xe2\x82", 3, "\"x\\ufffd\\ufffd\"\n"),
		"a sequence cut by the end becomes U+FFFD per byte");
	utap_ok(string_is("\xc0\xaf\xed\xa0\x80", 5,
			  "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"\n"),
		"overlong forms and surrogates are not passed through");

	w = start(&o);
	jsonw_start_object(w);
	jsonw_string_field(w, "k\"ey", "v");
	jsonw_uint_field(w, "n", 18446744073709551615ULL);
	jsonw_int_field(w, "neg", -5);
	jsonw_hex_field(w, "addr", 0xffffffff81000000ULL);
	jsonw_name(w, "list");
	jsonw_start_array(w);
	jsonw_bool(w, 1);
	jsonw_null(w);
	jsonw_start_object(w);
	jsonw_end_object(w);
	jsonw_start_array(w);
	jsonw_end_array(w);
	jsonw_end_array(w);
	jsonw_end_object(w);
	misused = jsonw_misused(w);
	utap_ok(!misused && finish(&o, &w,
		"{\"k\\\"ey\":\"v\",\"n\":18446744073709551615,\"neg\":-5,"
		"\"addr\":\"0xffffffff81000000\",\"list\":[true,null,{},[]]}\n"),
		"nesting places commas and escapes names");

	w = start(&o);
	jsonw_uint(w, 1);
	jsonw_uint(w, 2);
	utap_ok(finish(&o, &w, "1\n2\n"), "each top-level value is one line (JSON Lines)");

	w = start(&o);
	jsonw_name(w, "x");
	jsonw_fixed(w, NAN, 2);
	jsonw_fixed(w, 12.345, 2);
	misused = jsonw_misused(w);
	utap_ok(misused && finish(&o, &w, "null\n12.35\n") == true,
		"a name outside an object is flagged; NaN writes null");

	w = start(&o);
	jsonw_start_object(w);
	jsonw_uint(w, 3);
	jsonw_end_object(w);
	misused = jsonw_misused(w);
	finish(&o, &w, "{3}\n");
	utap_ok(misused, "a value without a name inside an object is flagged");

	w = start(&o);
	jsonw_start_array(w);
	jsonw_end_object(w);
	misused = jsonw_misused(w);
	finish(&o, &w, "[}\n");
	utap_ok(misused, "closing with the wrong bracket is flagged");

	return utap_exit();
}
