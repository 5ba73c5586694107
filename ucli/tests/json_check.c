// SPDX-License-Identifier: GPL-2.0-only
/*
 * json_check - validate JSON Lines on stdin (RFC 8259 syntax, UTF-8 not
 * re-checked). Prints the number of values and exits 0, or prints where
 * the first error is and exits 1. Test helper: deps.sh installs no JSON
 * tool.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p, *end;

static void ws(void)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
}

static bool value(int depth);

static bool string(void)
{
	if (p >= end || *p != '"')
		return false;
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"') {
			p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			p++;
			if (p >= end)
				return false;
			if (*p == 'u') {
				for (int i = 0; i < 4; i++)
					if (++p >= end || !strchr("0123456789abcdefABCDEF", *p))
						return false;
			} else if (!strchr("\"\\/bfnrt", *p)) {
				return false;
			}
		}
	}
	return false;
}

static bool number(void)
{
	const char *s = p;

	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return false;
	if (*p == '0')
		p++;
	else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return false;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p > s;
}

static bool literal(const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - p) < n || memcmp(p, w, n))
		return false;
	p += n;
	return true;
}

static bool container(int depth, char close)
{
	p++;
	ws();
	if (p < end && *p == close) {
		p++;
		return true;
	}
	for (;;) {
		ws();
		if (close == '}') {
			if (!string())
				return false;
			ws();
			if (p >= end || *p++ != ':')
				return false;
		}
		if (!value(depth + 1))
			return false;
		ws();
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == close) {
			p++;
			return true;
		}
		return false;
	}
}

static bool value(int depth)
{
	if (depth > 64)
		return false;
	ws();
	if (p >= end)
		return false;
	switch (*p) {
	case '{':
		return container(depth, '}');
	case '[':
		return container(depth, ']');
	case '"':
		return string();
	case 't':
		return literal("true");
	case 'f':
		return literal("false");
	case 'n':
		return literal("null");
	default:
		return number();
	}
}

int main(void)
{
	static char buf[1 << 24];
	size_t n = fread(buf, 1, sizeof(buf), stdin);
	const char *line = buf;
	int values = 0, lineno = 0;

	end = buf + n;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = end;

		lineno++;
		if (!nl) {
			fprintf(stderr, "json_check: line %d does not end with a newline\n", lineno);
			return 1;
		}
		end = nl;
		p = line;
		if (!value(0) || (ws(), p != end)) {
			fprintf(stderr, "json_check: line %d: syntax error at column %ld\n",
				lineno, (long)(p - line) + 1);
			return 1;
		}
		end = stop;
		values++;
		line = nl + 1;
	}
	printf("%d\n", values);
	return 0;
}
