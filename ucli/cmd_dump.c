// SPDX-License-Identifier: GPL-2.0-only
/* Subcommands that print dumps: (none), dump, record, report, follow. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "device.h"
#include "report.h"
#include "util.h"

/* A dump being assembled is printed after this much quiet on the device. */
#define FOLLOW_IDLE_FLUSH_MS 200

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() and ioctl() return EINTR and we notice. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int report_sink(void *ctx, const void *buf, size_t len)
{
	report__feed(ctx, buf, len);
	return 0;
}

/* Drain into @r; on EINTR retry unless we are exiting. 0 or -errno. */
static int drain_into_report(int fd, struct drain_buf *b, struct report *r)
{
	for (;;) {
		int64_t n = device__drain(device__ioctl_drain, &fd, b, report_sink, r);

		if (n >= 0)
			return 0;
		if (n == -EINTR && !exiting)
			continue;
		if (n == -EINTR)
			return 0;
		if (n != -EPROTO)
			msg_error("drain %s: %s", device__path(), strerror((int)-n));
		return (int)n;
	}
}

static int finish_report(struct report *r, FILE *out, int ret)
{
	report__finish(r);
	if (report__errors(r))
		ret = 1;
	if (out != stdout) {
		if (fclose(out)) {
			msg_error("writing %s: %s", env.output, strerror(errno));
			ret = 1;
		}
	} else if (fflush(stdout)) {
		ret = 1;
	}
	report__free(r);
	return ret;
}

/*
 * Options of the commands that print reports (dump, report, follow):
 * -o, --format and the report options, then @operands operands.
 * Sets the message mode; returns -1 to go on, or the exit status.
 */
static int parse_report_options(int argc, char **argv,
				void (*usage)(FILE *), int operands)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		REPORT_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:f:h", opts, NULL)) != -1) {
		int handled = report_option(c, optarg);

		if (handled < 0)
			return 2;
		if (handled)
			continue;
		switch (c) {
		case 'o':
			env.output = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - operands) {
		usage(stderr);
		return 2;
	}
	msg_json_mode(env.pr->json_messages);
	return -1;
}

static void dump_usage(FILE *f)
{
	fprintf(f,
		"Usage: ucli dump [-o FILE] [--format text|json|folded] [OPTIONS]\n"
		"Drain the dumps buffered by the module and print their report.\n"
		"Draining consumes the records; 'ucli record' keeps them raw instead.\n"
		"\n"
		"  -o, --output FILE    write the report to FILE instead of stdout\n"
		REPORT_OPTIONS_HELP
		"  -h, --help           this text\n"
		"\n"
		"EXAMPLES:\n"
		"  ucli dump > output\n"
		"  ucli dump --format folded | flamegraph.pl > trip.svg\n");
}

int cmd_dump(int argc, char **argv)
{
	struct drain_buf b = { 0 };
	struct report *r;
	FILE *out;
	int fd, ret;

	ret = parse_report_options(argc, argv, dump_usage, 0);
	if (ret >= 0)
		return ret;
	fd = device__open(O_RDONLY);
	if (fd < 0)
		return 1;
	out = open_output(env.output);
	if (!out) {
		close(fd);
		return 1;
	}
	r = report__new(env.pr, out, &env.so);
	ret = drain_into_report(fd, &b, r) ? 1 : 0;
	drain_buf__free(&b);
	close(fd);
	return finish_report(r, out, ret);
}

struct record_sink {
	int fd;
	uint64_t bytes;
};

static int file_sink(void *ctx, const void *buf, size_t len)
{
	struct record_sink *s = ctx;
	int ret = write_all(s->fd, buf, len);

	if (ret)
		return ret;
	s->bytes += len;
	return 0;
}

static void record_usage(FILE *f)
{
	fprintf(f,
		"Usage: ucli record -o FILE\n"
		"Drain the dumps buffered by the module into FILE as raw records\n"
		"(mode 0600: they hold stack contents). 'ucli report FILE' prints them,\n"
		"here or on another machine that has the same ELF files.\n"
		"\n"
		"  -o, --output FILE    where to write ('-' for stdout)\n"
		"  -h, --help           this text\n"
		"\n"
		"EXAMPLE:\n"
		"  ucli record -o trip.rec && ucli report trip.rec\n");
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_sink s = { .fd = -1 };
	struct drain_buf b = { 0 };
	int64_t n;
	int c, fd, ret = 0;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			env.output = optarg;
			break;
		case 'h':
			record_usage(stdout);
			return 0;
		default:
			record_usage(stderr);
			return 2;
		}
	}
	if (!env.output || optind != argc) {
		record_usage(stderr);
		return 2;
	}
	fd = device__open(O_RDONLY);
	if (fd < 0)
		return 1;
	if (!strcmp(env.output, "-"))
		s.fd = STDOUT_FILENO;
	else
		s.fd = open(env.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s.fd < 0) {
		msg_error("cannot create %s: %s", env.output, strerror(errno));
		close(fd);
		return 1;
	}
	do {
		n = device__drain(device__ioctl_drain, &fd, &b, file_sink, &s);
	} while (n == -EINTR && !exiting);
	if (n < 0 && n != -EINTR) {
		msg_error("record: %s", strerror((int)-n));
		ret = 1;
	}
	if (s.fd != STDOUT_FILENO && close(s.fd)) {
		msg_error("writing %s: %s", env.output, strerror(errno));
		ret = 1;
	}
	if (!ret)
		fprintf(stderr, "ucli: %" PRIu64 " bytes of records saved to %s\n",
			s.bytes, env.output);
	drain_buf__free(&b);
	close(fd);
	return ret;
}

static void report_usage(FILE *f)
{
	fprintf(f,
		"Usage: ucli report [OPTIONS] FILE\n"
		"Print the report of records saved by 'ucli record' ('-' reads stdin).\n"
		"Bad records are reported and skipped; the exit status is then 1.\n"
		"\n"
		"  -o, --output FILE    write the report to FILE instead of stdout\n"
		REPORT_OPTIONS_HELP
		"  -h, --help           this text\n"
		"\n"
		"EXAMPLES:\n"
		"  ucli report trip.rec\n"
		"  ucli report --symfs /srv/rootfs --kallsyms kallsyms.txt trip.rec\n");
}

int cmd_report(int argc, char **argv)
{
	const char *path;
	struct report *r;
	char *buf;
	FILE *out;
	int fd, ret = 0;

	ret = parse_report_options(argc, argv, report_usage, 1);
	if (ret >= 0)
		return ret;
	ret = 0;
	path = argv[optind];
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		msg_error("cannot open %s: %s", path, strerror(errno));
		return 1;
	}
	out = open_output(env.output);
	if (!out) {
		if (fd != STDIN_FILENO)
			close(fd);
		return 1;
	}
	r = report__new(env.pr, out, &env.so);
	/* Stream the file: a record cut by a read waits for the next one. */
	buf = xmalloc(DRAIN_BUF_START);
	for (;;) {
		ssize_t n = read(fd, buf, DRAIN_BUF_START);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			msg_error("reading %s: %s", path, strerror(errno));
			ret = 1;
			break;
		}
		if (n == 0)
			break;
		report__feed(r, buf, (size_t)n);
	}
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return finish_report(r, out, ret);
}

int follow_device(int fd, struct report *r, int pidfd)
{
	struct drain_buf b = { 0 };
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = pidfd, .events = POLLIN },
	};
	nfds_t nfds = pidfd >= 0 ? 2 : 1;
	int ret = 0;

	while (!exiting) {
		int n;

		if (drain_into_report(fd, &b, r)) {
			ret = 1;
			break;
		}
		/*
		 * A dump's last records may still be on their way: print it
		 * when the next dump starts or when the device stays quiet.
		 */
		n = poll(pfd, nfds, report__pending(r) ? FOLLOW_IDLE_FLUSH_MS : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			msg_error("poll %s: %s", device__path(), strerror(errno));
			ret = 1;
			break;
		}
		if (n == 0) {
			report__flush(r);
			continue;
		}
		if (pfd[0].revents & (POLLERR | POLLNVAL)) {
			msg_error("%s: poll reported an error", device__path());
			ret = 1;
			break;
		}
		if (nfds == 2 && pfd[1].revents) {
			fprintf(stderr, "ucli: the watched process exited\n");
			break;
		}
	}
	/* Whatever arrived before we stopped still gets reported. */
	if (!ret && drain_into_report(fd, &b, r))
		ret = 1;
	drain_buf__free(&b);
	return ret;
}

static void follow_usage(FILE *f)
{
	fprintf(f,
		"Usage: ucli follow [-o FILE] [--format text|json|folded|journal] [OPTIONS]\n"
		"Drain and report what is buffered, then wait with poll() and report\n"
		"each dump as it arrives, until interrupted (Ctrl-C or SIGTERM).\n"
		"\n"
		"  -o, --output FILE    write the report to FILE instead of stdout\n"
		REPORT_OPTIONS_HELP
		"  -h, --help           this text\n"
		"\n"
		"EXAMPLES:\n"
		"  ucli follow --format json | jq .tasks[0].user_stack.frames\n"
		"  ucli follow --format journal   # as variable-monitor-follow.service does\n");
}

int cmd_follow(int argc, char **argv)
{
	struct report *r;
	FILE *out;
	int fd, ret;

	ret = parse_report_options(argc, argv, follow_usage, 0);
	if (ret >= 0)
		return ret;
	setup_signals();
	fd = device__open(O_RDONLY);
	if (fd < 0)
		return 1;
	out = open_output(env.output);
	if (!out) {
		close(fd);
		return 1;
	}
	r = report__new(env.pr, out, &env.so);
	ret = follow_device(fd, r, -1);
	close(fd);
	return finish_report(r, out, ret);
}
