// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"
#include "util.h"

int procfs__parse_starttime(const char *stat, size_t len, uint64_t *ticks)
{
	const char *p = NULL, *end = stat + len;
	char num[32];
	int field = 2;

	/* comm may hold spaces and ')': the last ')' ends it. */
	for (const char *q = stat; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p)
		return -EINVAL;
	p++;
	while (p < end) {
		const char *start;
		size_t n;

		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		start = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		field++;
		if (field != 22)
			continue;
		n = (size_t)(p - start);
		if (n == 0 || n >= sizeof(num))
			return -EINVAL;
		memcpy(num, start, n);
		num[n] = '\0';
		return parse_u64(num, 10, ticks);
	}
	return -EINVAL;
}

/* Parse "start-end perms offset dev inode [path]" in place. */
static bool parse_line(char *line, struct proc_map *m)
{
	char *p = line, *dash, *tok[5];
	int i;

	for (i = 0; i < 5; i++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return false;
		tok[i] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	while (*p == ' ')
		p++;
	dash = strchr(tok[0], '-');
	if (!dash || strlen(tok[1]) < 4)
		return false;
	*dash = '\0';
	if (parse_u64(tok[0], 16, &m->start) || parse_u64(dash + 1, 16, &m->end) ||
	    parse_u64(tok[2], 16, &m->pgoff) || m->end < m->start)
		return false;
	m->r = tok[1][0] == 'r';
	m->w = tok[1][1] == 'w';
	m->x = tok[1][2] == 'x';
	m->path = *p ? p : NULL;
	return true;
}

size_t procfs__parse_maps(char *text, size_t len, struct proc_map **maps)
{
	char *p = text, *end = text + len;
	size_t n = 0, cap = 0;
	struct proc_map *m = NULL;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		struct proc_map pm;

		if (nl)
			*nl = '\0';
		else
			end[0] = '\0';
		if (parse_line(p, &pm)) {
			m = grow_array(m, &cap, n + 1, sizeof(*m));
			m[n++] = pm;
		}
		p = nl ? nl + 1 : end;
	}
	*maps = m;
	return n;
}
