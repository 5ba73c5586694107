// SPDX-License-Identifier: GPL-2.0-only
/* Subcommands over /proc/variable_monitor: list, stats, config. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "device.h"
#include "util.h"

/* Read-only files that are not tunables. */
static const char *const proc_files_ro[] = { "watches", "stats" };

static int cat_proc(const char *name)
{
	char *path = xasprintf("%s/%s", device__proc_dir(), name);
	size_t len;
	char *data;
	int ret = read_file_all(path, &data, &len);

	if (ret) {
		msg_error("cannot read %s: %s%s", path, strerror(-ret),
			  ret == -ENOENT ? " (is the variable_monitor module loaded?)" : "");
		free(path);
		return 1;
	}
	fwrite(data, 1, len, stdout);
	free(data);
	free(path);
	return fflush(stdout) ? 1 : 0;
}

static int simple_cmd(int argc, char **argv, const char *file, const char *help)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return 0;
		}
		fputs(help, stderr);
		return 2;
	}
	if (optind != argc) {
		fputs(help, stderr);
		return 2;
	}
	return cat_proc(file);
}

int cmd_list(int argc, char **argv)
{
	return simple_cmd(argc, argv, "watches",
			  "Usage: ucli list\n"
			  "Print the current watches, one per line:\n"
			  "  pid name addr length cond threshold interval_ns trips\n"
			  "Addresses are hashed unless the reader has CAP_SYSLOG.\n");
}

int cmd_stats(int argc, char **argv)
{
	return simple_cmd(argc, argv, "stats",
			  "Usage: ucli stats\n"
			  "Print the module's counters as \"key value\" lines: timers,\n"
			  "watches, pinned pages, ticks, trips, callback time, dumps,\n"
			  "records, bytes and drops.\n");
}

static bool is_tunable_name(const char *key)
{
	if (!*key)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(proc_files_ro); i++)
		if (!strcmp(key, proc_files_ro[i]))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int config_print(const char *key, bool with_key)
{
	char *path = xasprintf("%s/%s", device__proc_dir(), key);
	size_t len;
	char *data;
	int ret = read_file_all(path, &data, &len);

	if (ret) {
		msg_error("cannot read %s: %s", path, strerror(-ret));
		free(path);
		return 1;
	}
	while (len && (data[len - 1] == '\n' || data[len - 1] == ' '))
		data[--len] = '\0';
	if (with_key)
		printf("%s %s\n", key, data);
	else
		printf("%s\n", data);
	free(data);
	free(path);
	return 0;
}

static int config_all(void)
{
	DIR *d = opendir(device__proc_dir());
	struct dirent *e;
	char **keys = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (!d) {
		msg_error("cannot read %s: %s%s", device__proc_dir(), strerror(errno),
			  errno == ENOENT ? " (is the variable_monitor module loaded?)" : "");
		return 1;
	}
	while ((e = readdir(d))) {
		if (!is_tunable_name(e->d_name))
			continue;
		keys = grow_array(keys, &cap, n + 1, sizeof(*keys));
		keys[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++) {
		ret |= config_print(keys[i], true);
		free(keys[i]);
	}
	free(keys);
	return ret;
}

static int config_set(const char *key, const char *value)
{
	char *path = xasprintf("%s/%s", device__proc_dir(), key);
	char *line;
	uint64_t v;
	int fd, ret = 0;

	/* The module parses strictly; refuse what it would refuse anyway. */
	if (parse_u64(value, 10, &v)) {
		msg_error("%s: '%s' is not a decimal number", key, value);
		free(path);
		return 2;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		msg_error("cannot open %s: %s", path, strerror(errno));
		free(path);
		return 1;
	}
	line = xasprintf("%llu\n", (unsigned long long)v);
	ret = write_all(fd, line, strlen(line));
	if (ret == -EINVAL)
		msg_error("the module refused %s = %s (out of range, or it would break def_interval_ns >= min_interval_ns)",
			  key, value);
	else if (ret)
		msg_error("writing %s: %s", path, strerror(-ret));
	if (close(fd) && !ret) {
		msg_error("writing %s: %s", path, strerror(errno));
		ret = -EIO;
	}
	free(line);
	free(path);
	return ret ? 1 : 0;
}

static void config_usage(FILE *f)
{
	fputs("Usage: ucli config [KEY [VALUE]]\n"
	      "Without KEY, print every tunable of /proc/variable_monitor as\n"
	      "\"key value\"; with KEY, print its value; with VALUE, set it.\n"
	      "Values are decimal. Limits apply to watches registered afterwards.\n"
	      "\n"
	      "Tunables: def_interval_ns dump_reset_sec min_interval_ns max_timers\n"
	      "          max_watches_per_timer user_stack_bytes max_dump_tasks\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  ucli config\n"
	      "  ucli config user_stack_bytes 65536\n", f);
}

int cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			config_usage(stdout);
			return 0;
		}
		config_usage(stderr);
		return 2;
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return config_all();
	if (argc > 2) {
		config_usage(stderr);
		return 2;
	}
	if (!is_tunable_name(argv[0])) {
		msg_error("'%s' is not a tunable", argv[0]);
		return 2;
	}
	if (argc == 1)
		return config_print(argv[0], false);
	return config_set(argv[0], argv[1]);
}
