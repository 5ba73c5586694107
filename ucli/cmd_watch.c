// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch / unwatch: watch a variable of a process that never included
 * monitor_user.h. A global symbol is resolved through /proc/PID/maps and
 * the ELF files behind it (executable, PIE and shared libraries), then
 * registered with VARMON_IOC_WATCH for that pid; the module checks that
 * we may ptrace it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmd.h"
#include "device.h"
#include "elfsym.h"
#include "procfs.h"
#include "report.h"
#include "util.h"

struct wtype {
	const char *name;
	uint8_t length;
	bool is_unsigned;
};

static const struct wtype wtypes[] = {
	{ "int8", 1, false }, { "uint8", 1, true },
	{ "int16", 2, false }, { "uint16", 2, true },
	{ "int32", 4, false }, { "uint32", 4, true },
	{ "int64", 8, false }, { "uint64", 8, true },
	/* C names as on x86-64 Linux (char is signed there). */
	{ "char", 1, false }, { "uchar", 1, true },
	{ "short", 2, false }, { "ushort", 2, true },
	{ "int", 4, false }, { "uint", 4, true }, { "unsigned", 4, true },
	{ "long", 8, false }, { "ulong", 8, true },
	{ "llong", 8, false }, { "ullong", 8, true },
};

static const struct wtype *find_type(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(wtypes); i++)
		if (!strcmp(wtypes[i].name, name))
			return &wtypes[i];
	return NULL;
}

/* Parse @s as a threshold that fits @t; stored as the kernel compares it. */
static int parse_threshold(const struct wtype *t, const char *s, int64_t *out)
{
	unsigned bits = 8u * t->length;

	if (t->is_unsigned) {
		uint64_t v;

		if (parse_u64(s, 0, &v) || (bits < 64 && v >> bits))
			return -ERANGE;
		*out = (int64_t)v;
		return 0;
	}
	if (parse_s64(s, 0, out))
		return -ERANGE;
	if (bits < 64 && (*out < -(INT64_C(1) << (bits - 1)) ||
			  *out > (INT64_C(1) << (bits - 1)) - 1))
		return -ERANGE;
	return 0;
}

struct candidate {
	char *path;
	uint64_t addr;
	uint64_t size;
};

static void free_candidates(struct candidate *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].path);
	free(c);
}

/*
 * Every file mapped by @pid that defines the variable @name, with its
 * runtime address. Returns the count, or -1 after printing an error.
 */
static int resolve_symbol(uint32_t pid, const char *name, struct candidate **out)
{
	char *maps_path = xasprintf("/proc/%u/maps", pid);
	struct elf_cache *cache = elf_cache__new(env.so.debug_dir);
	struct proc_map *maps = NULL;
	struct candidate *c = NULL;
	size_t nmaps, len, n = 0, cap = 0;
	char *text = NULL;
	int ret;

	ret = read_file_all(maps_path, &text, &len);
	if (ret) {
		msg_error("cannot read %s: %s", maps_path, strerror(-ret));
		n = (size_t)-1;
		goto out;
	}
	nmaps = procfs__parse_maps(text, len, &maps);
	for (size_t i = 0; i < nmaps; i++) {
		const struct proc_map *m = &maps[i];
		enum elf_status st;
		struct elf_obj *o;
		uint64_t vaddr, size, bias;
		bool seen = false;
		char *path;
		int err;

		if (!m->path || m->path[0] != '/')
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = maps[j].path && !strcmp(maps[j].path, m->path);
		if (seen)
			continue;
		/* Through the process's root, so a container's files resolve. */
		path = xasprintf("/proc/%u/root%s", pid, m->path);
		o = elf_cache__get(cache, path, NULL, 0, &st, &err);
		free(path);
		if (!o || elf_obj__bias(o, m->start, m->pgoff, false, &bias))
			continue;
		err = elf_obj__find_object(o, name, &vaddr, &size);
		if (err == -EINVAL) {
			msg_error("'%s' is thread-local in %s: each thread has its own copy; give --addr",
				  name, m->path);
			free_candidates(c, n);
			c = NULL;
			n = (size_t)-1;
			goto out;
		}
		if (err)
			continue;
		c = grow_array(c, &cap, n + 1, sizeof(*c));
		c[n++] = (struct candidate){ xstrdup(m->path), vaddr + bias, size };
	}
out:
	*out = c;
	free(text);
	free(maps);
	elf_cache__free(cache);
	free(maps_path);
	return (int)n;
}

/*
 * With a copy relocation the executable holds the live copy of a library
 * variable, so the executable wins; otherwise the first file mapped.
 */
static size_t pick_candidate(uint32_t pid, const struct candidate *c, size_t n)
{
	char *link = xasprintf("/proc/%u/exe", pid);
	char exe[PATH_MAX];
	ssize_t len = readlink(link, exe, sizeof(exe) - 1);
	size_t pick = 0;

	free(link);
	if (len <= 0)
		return 0;
	exe[len] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].path, exe))
			pick = i;
	return pick;
}

static void watch_usage(FILE *f)
{
	fprintf(f,
		"Usage: ucli watch --pid PID (--symbol NAME | --addr ADDR) --type TYPE\n"
		"                  CONDITION [--rearm VALUE] [--hw [--hw-fallback]]\n"
		"                  [--interval NS] [--name NAME]\n"
		"Watch a variable of a running process, which needs no change: a\n"
		"global symbol is looked up in the ELF files the process maps\n"
		"(executable, PIE and shared libraries). The module checks that you\n"
		"may ptrace PID.\n"
		"\n"
		"The watch belongs to ucli's open device: ucli stays in the foreground\n"
		"and prints each dump, until Ctrl-C or until PID exits; then the watch\n"
		"goes away. Run it in the background (or under nohup) to keep it.\n"
		"\n"
		"  -p, --pid PID        process owning the variable\n"
		"  -s, --symbol NAME    global or static variable (from .symtab/.dynsym)\n"
		"  -a, --addr ADDR      address instead of a symbol (0x... for hex)\n"
		"  -t, --type TYPE      int8 uint8 int16 uint16 int32 uint32 int64 uint64,\n"
		"                       or char uchar short ushort int uint long ulong\n"
		"      --gt THRESHOLD   dump when value > THRESHOLD\n"
		"      --lt THRESHOLD   dump when value < THRESHOLD\n"
		"      --ge, --le, --eq, --ne THRESHOLD   >=, <=, ==, !=\n"
		"      --in LO,HI       dump when LO <= value <= HI\n"
		"      --out LO,HI      dump when value < LO or value > HI\n"
		"      --any-bits MASK  dump when any bit of MASK is set\n"
		"      --all-bits MASK  dump when every bit of MASK is set\n"
		"      --changed        dump when the value changes\n"
		"      --stalled N      dump once when the value, having moved, stays\n"
		"                       the same for N samples (a hang detector)\n"
		"      --rearm VALUE    after a trip stay quiet until the value is back\n"
		"                       at VALUE (--gt/--ge: <=, --lt/--le: >=)\n"
		"      --hw             a hardware write breakpoint instead of polling:\n"
		"                       every write is checked (x86: 4 per thread)\n"
		"      --hw-fallback    with --hw, poll when no debug register is free\n"
		"      --interval NS    polling interval (default: def_interval_ns)\n"
		"  -n, --name NAME      1 to 15 characters (default: the symbol)\n"
		"      --dry-run        resolve and print the watch, do not register it\n"
		REPORT_OPTIONS_HELP
		"  -h, --help           this text\n"
		"\n"
		"EXAMPLES:\n"
		"  ucli watch --pid 1234 --symbol temp --type int --gt 150\n"
		"  ucli watch --pid 1234 --addr 0x55d0c0a4e010 --type uint64 --lt 10 --name depth\n"
		"  ucli watch --pid 1234 --symbol heartbeat --type ulong --stalled 10000\n"
		"  ucli watch --pid 1234 --symbol state --type int --out 0,3 --hw\n");
}

static int cond_of_option(int c)
{
	switch (c) {
	case OPT_GT:
		return VARMON_COND_GT;
	case OPT_LT:
		return VARMON_COND_LT;
	case OPT_GE:
		return VARMON_COND_GE;
	case OPT_LE:
		return VARMON_COND_LE;
	case OPT_EQ:
		return VARMON_COND_EQ;
	case OPT_NE:
		return VARMON_COND_NE;
	case OPT_IN:
		return VARMON_COND_IN;
	case OPT_OUT:
		return VARMON_COND_OUT;
	case OPT_ANY_BITS:
		return VARMON_COND_ANY_BITS;
	case OPT_ALL_BITS:
		return VARMON_COND_ALL_BITS;
	case OPT_CHANGED:
		return VARMON_COND_CHANGED;
	default:
		return VARMON_COND_STALLED;
	}
}

/*
 * The numbers of the condition: the threshold (low end, mask, samples)
 * and, for --in/--out, the high end after a comma. Returns 0 or prints
 * why not and returns -1.
 */
static int parse_condition(const struct wtype *type, struct varmon_watch *w)
{
	char *lo = NULL, *hi;
	int64_t v, high;

	if (w->cond == VARMON_COND_CHANGED)
		return 0;
	if (w->cond == VARMON_COND_STALLED) {
		uint64_t n;

		if (parse_u64(env.threshold, 10, &n) || !n || n > INT32_MAX) {
			msg_error("--stalled: '%s' is not a number of samples", env.threshold);
			return -1;
		}
		w->threshold = (int64_t)n;
		return 0;
	}
	if (w->cond == VARMON_COND_IN || w->cond == VARMON_COND_OUT) {
		lo = xstrdup(env.threshold);
		hi = strchr(lo, ',');
		if (!hi) {
			msg_error("a range is LO,HI, not '%s'", env.threshold);
			free(lo);
			return -1;
		}
		*hi++ = '\0';
		if (parse_threshold(type, lo, &v) || parse_threshold(type, hi, &high)) {
			msg_error("range '%s' does not fit %s", env.threshold, type->name);
			free(lo);
			return -1;
		}
		free(lo);
		w->threshold = v;
		w->arg = high;
		return 0;
	}
	if (parse_threshold(type, env.threshold, &v)) {
		msg_error("threshold '%s' is not a number that fits %s", env.threshold,
			  type->name);
		return -1;
	}
	w->threshold = v;
	return 0;
}

static int watch_error(int err, uint32_t pid)
{
	switch (err) {
	case EPERM:
		msg_error("not allowed to watch process %u (ptrace rights needed)", pid);
		break;
	case ESRCH:
		msg_error("no process %u", pid);
		break;
	case EFAULT:
		msg_error("the address is not mapped readable in process %u", pid);
		break;
	case ENOSPC:
		msg_error("no room for another watch (see max_timers and max_watches_per_timer)");
		break;
	case EINVAL:
		msg_error("the module refused the watch: check alignment, the interval (>= min_interval_ns) and the name");
		break;
	default:
		msg_error("VARMON_IOC_WATCH: %s", strerror(err));
	}
	return 1;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "symbol", required_argument, NULL, 's' },
		{ "addr", required_argument, NULL, 'a' },
		{ "type", required_argument, NULL, 't' },
		{ "gt", required_argument, NULL, OPT_GT },
		{ "lt", required_argument, NULL, OPT_LT },
		{ "ge", required_argument, NULL, OPT_GE },
		{ "le", required_argument, NULL, OPT_LE },
		{ "eq", required_argument, NULL, OPT_EQ },
		{ "ne", required_argument, NULL, OPT_NE },
		{ "in", required_argument, NULL, OPT_IN },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "any-bits", required_argument, NULL, OPT_ANY_BITS },
		{ "all-bits", required_argument, NULL, OPT_ALL_BITS },
		{ "changed", no_argument, NULL, OPT_CHANGED },
		{ "stalled", required_argument, NULL, OPT_STALLED },
		{ "rearm", required_argument, NULL, OPT_REARM },
		{ "hw", no_argument, NULL, OPT_HW },
		{ "hw-fallback", no_argument, NULL, OPT_HW_FALLBACK },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "name", required_argument, NULL, 'n' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		REPORT_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct varmon_watch w = { .size = sizeof(w) };
	const struct wtype *type;
	char *where = NULL;
	struct report *r;
	uint64_t v;
	int c, fd, pidfd, ret;

	while ((c = getopt_long(argc, argv, "p:s:a:t:n:f:h", opts, NULL)) != -1) {
		int handled = report_option(c, optarg);

		if (handled < 0)
			return 2;
		if (handled)
			continue;
		switch (c) {
		case 'p':
			if (parse_u64(optarg, 10, &v) || v == 0 || v > INT32_MAX) {
				msg_error("--pid: '%s' is not a process id", optarg);
				return 2;
			}
			env.pid = (uint32_t)v;
			env.have_pid = true;
			break;
		case 's':
			env.symbol = optarg;
			break;
		case 'a':
			if (parse_u64(optarg, 0, &env.addr) || !env.addr) {
				msg_error("--addr: '%s' is not an address", optarg);
				return 2;
			}
			env.have_addr = true;
			break;
		case 't':
			env.type = optarg;
			break;
		case OPT_GT:
		case OPT_LT:
		case OPT_GE:
		case OPT_LE:
		case OPT_EQ:
		case OPT_NE:
		case OPT_IN:
		case OPT_OUT:
		case OPT_ANY_BITS:
		case OPT_ALL_BITS:
		case OPT_CHANGED:
		case OPT_STALLED:
			if (env.cond) {
				msg_error("give one condition");
				return 2;
			}
			env.cond = cond_of_option(c);
			env.threshold = c == OPT_CHANGED ? "0" : optarg;
			break;
		case OPT_REARM:
			env.rearm = optarg;
			break;
		case OPT_HW:
			env.hw = true;
			break;
		case OPT_HW_FALLBACK:
			env.hw_fallback = true;
			break;
		case OPT_INTERVAL:
			if (parse_u64(optarg, 10, &env.interval_ns) || !env.interval_ns) {
				msg_error("--interval: '%s' is not a positive number of ns", optarg);
				return 2;
			}
			break;
		case 'n':
			env.name = optarg;
			break;
		case OPT_DRY_RUN:
			env.dry_run = true;
			break;
		case 'h':
			watch_usage(stdout);
			return 0;
		default:
			watch_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !env.have_pid || !env.type || !env.threshold ||
	    !!env.symbol == env.have_addr) {
		watch_usage(stderr);
		return 2;
	}
	type = find_type(env.type);
	if (!type) {
		msg_error("unknown type '%s'", env.type);
		return 2;
	}
	w.cond = (uint8_t)env.cond;
	if (parse_condition(type, &w))
		return 2;
	if (env.rearm) {
		int64_t rearm;

		if (parse_threshold(type, env.rearm, &rearm)) {
			msg_error("--rearm '%s' is not a number that fits %s",
				  env.rearm, type->name);
			return 2;
		}
		w.rearm = rearm;
		w.flags |= VARMON_WATCH_REARM_VALUE;
	}
	if (env.hw_fallback && !env.hw) {
		msg_error("--hw-fallback goes with --hw");
		return 2;
	}
	if (!env.name)
		env.name = env.symbol ? env.symbol : "addr";
	if (strlen(env.name) >= VARMON_NAME_LEN) {
		if (!env.symbol || env.name != env.symbol) {
			msg_error("--name: at most %d characters", VARMON_NAME_LEN - 1);
			return 2;
		}
	}

	if (env.symbol) {
		struct candidate *cands;
		int found = resolve_symbol(env.pid, env.symbol, &cands);
		size_t pick;

		if (found < 0)
			return 1;
		if (found == 0) {
			msg_error("no variable '%s' in the ELF files of process %u (stripped? give --addr)",
				  env.symbol, env.pid);
			return 1;
		}
		pick = pick_candidate(env.pid, cands, (size_t)found);
		for (int i = 0; i < found; i++)
			if ((size_t)i != pick)
				msg_warn("'%s' is also defined in %s; using the one in %s",
					 env.symbol, cands[i].path, cands[pick].path);
		if (cands[pick].size && cands[pick].size < type->length) {
			msg_error("'%s' is %" PRIu64 " bytes, smaller than %s", env.symbol,
				  cands[pick].size, type->name);
			free_candidates(cands, (size_t)found);
			return 1;
		}
		env.addr = cands[pick].addr;
		where = xstrdup(cands[pick].path);
		free_candidates(cands, (size_t)found);
	}
	if (env.addr % type->length) {
		msg_error("address 0x%" PRIx64 " is not aligned to %u bytes", env.addr,
			  type->length);
		free(where);
		return 1;
	}

	w.flags |= type->is_unsigned ? VARMON_WATCH_UNSIGNED : 0;
	w.flags |= env.hw_fallback ? VARMON_WATCH_HW_FALLBACK : 0;
	w.pid = env.pid;
	w.length = type->length;
	w.trigger = env.hw ? VARMON_TRIGGER_HWBP : VARMON_TRIGGER_POLL;
	w.addr = env.addr;
	w.interval_ns = env.interval_ns;
	/* A long symbol name is cut to what the module stores. */
	snprintf(w.name, sizeof(w.name), "%s", env.name);

	fprintf(env.dry_run ? stdout : stderr,
		"watch pid %u name %s addr 0x%" PRIx64 " length %u %s cond %s threshold %s",
		w.pid, w.name, (uint64_t)w.addr, w.length,
		type->is_unsigned ? "unsigned" : "signed",
		print__cond(w.cond), env.threshold);
	if (w.flags & VARMON_WATCH_REARM_VALUE)
		fprintf(env.dry_run ? stdout : stderr, " rearm %s", env.rearm);
	fprintf(env.dry_run ? stdout : stderr, " trigger %s",
		w.trigger == VARMON_TRIGGER_HWBP ?
		(w.flags & VARMON_WATCH_HW_FALLBACK ? "hw-or-poll" : "hw") : "poll");
	if (where)
		fprintf(env.dry_run ? stdout : stderr, " symbol %s in %s",
			env.symbol, where);
	fputc('\n', env.dry_run ? stdout : stderr);
	free(where);
	if (env.dry_run)
		return 0;

	msg_json_mode(env.pr->json_messages);
	setup_signals();
	fd = device__open(O_RDWR);
	if (fd < 0)
		return 1;
	if (ioctl(fd, VARMON_IOC_WATCH, &w) < 0) {
		ret = watch_error(errno, env.pid);
		close(fd);
		return ret;
	}
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)env.pid, 0);
	if (pidfd < 0)
		msg_warn("pidfd_open: %s; ucli will not notice when %u exits",
			 strerror(errno), env.pid);
	fprintf(stderr, "ucli: watching; dumps follow until Ctrl-C or until %u exits\n",
		env.pid);
	r = report__new(env.pr, stdout, &env.so);
	ret = follow_device(fd, r, pidfd);
	report__finish(r);
	if (report__errors(r))
		ret = 1;
	report__free(r);
	if (pidfd >= 0)
		close(pidfd);
	/* Closing the device drops the watch: it belongs to this open file. */
	close(fd);
	return ret;
}

static void unwatch_usage(FILE *f)
{
	fputs("Usage: ucli unwatch --pid PID\n"
	      "Remove every watch on the variables of process PID\n"
	      "(VARMON_IOC_CANCEL). Needs the same rights as watching it.\n"
	      "\n"
	      "  -p, --pid PID        the process\n"
	      "  -h, --help           this text\n"
	      "\n"
	      "EXAMPLE:\n"
	      "  ucli unwatch --pid 1234\n", f);
}

int cmd_unwatch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct varmon_cancel cancel = { .size = sizeof(cancel) };
	uint64_t v;
	int c, fd, ret = 0;

	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, 10, &v) || v == 0 || v > INT32_MAX) {
				msg_error("--pid: '%s' is not a process id", optarg);
				return 2;
			}
			cancel.pid = (uint32_t)v;
			break;
		case 'h':
			unwatch_usage(stdout);
			return 0;
		default:
			unwatch_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !cancel.pid) {
		unwatch_usage(stderr);
		return 2;
	}
	fd = device__open(O_RDWR);
	if (fd < 0)
		return 1;
	if (ioctl(fd, VARMON_IOC_CANCEL, &cancel) < 0) {
		int err = errno;

		if (err == ESRCH)
			msg_error("no process %u", cancel.pid);
		else if (err == EPERM)
			msg_error("not allowed to remove the watches of process %u", cancel.pid);
		else
			msg_error("VARMON_IOC_CANCEL: %s", strerror(err));
		ret = 1;
	}
	close(fd);
	return ret;
}
