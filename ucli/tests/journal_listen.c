// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in for journald in host tests: bind the datagram socket PATH,
 * receive COUNT entries of the native journal protocol (sent inline or,
 * when large, as a memfd), and print each field as NAME=value on its own
 * line, with a line "--" after each entry. Exits 1 after 20 s without an
 * entry, or on a malformed one.
 *
 * Usage: ucli_journal_listen PATH COUNT
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_INLINE (8u << 20)

/* Print the fields of one entry; 0, or -1 if it is malformed. */
static int print_entry(const char *p, size_t len)
{
	const char *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eq;
		uint64_t vlen = 0;

		if (!nl)
			return -1;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq) {
			/* NAME=value\n */
			fwrite(p, 1, (size_t)(nl - p), stdout);
			putchar('\n');
			p = nl + 1;
			continue;
		}
		/* NAME\n, a 64-bit little-endian size, the value, \n */
		if ((size_t)(end - nl - 1) < 8)
			return -1;
		for (int i = 7; i >= 0; i--)
			vlen = vlen << 8 | (uint8_t)nl[1 + i];
		if (vlen >= (uint64_t)(end - nl - 9) || nl[9 + vlen] != '\n')
			return -1;
		fwrite(p, 1, (size_t)(nl - p), stdout);
		putchar('=');
		fwrite(nl + 9, 1, (size_t)vlen, stdout);
		putchar('\n');
		p = nl + 9 + vlen + 1;
	}
	puts("--");
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *buf = malloc(MAX_INLINE);
	long count;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path) || !buf) {
		fprintf(stderr, "usage: %s PATH COUNT\n", argv[0]);
		return 2;
	}
	count = strtol(argv[2], NULL, 10);
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror(argv[1]);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct iovec iov = { .iov_base = buf, .iov_len = MAX_INLINE };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = &ctl, .msg_controllen = sizeof(ctl),
		};
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct cmsghdr *c;
		const char *entry = buf;
		ssize_t n;
		size_t len;
		int rc;

		if (poll(&pfd, 1, 20000) != 1) {
			fprintf(stderr, "no journal entry within 20 s\n");
			return 1;
		}
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			perror("recvmsg");
			return 1;
		}
		len = (size_t)n;
		c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			/* A large entry comes as a sealed memfd. */
			struct stat st;
			int mfd;

			memcpy(&mfd, CMSG_DATA(c), sizeof(mfd));
			if (fstat(mfd, &st) || st.st_size <= 0) {
				fprintf(stderr, "bad memfd\n");
				return 1;
			}
			len = (size_t)st.st_size;
			entry = mmap(NULL, len, PROT_READ, MAP_PRIVATE, mfd, 0);
			if (entry == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			close(mfd);
		}
		rc = print_entry(entry, len);
		if (entry != buf)
			munmap((void *)entry, len);
		if (rc) {
			fprintf(stderr, "malformed journal entry\n");
			return 1;
		}
		fflush(stdout);
	}
	close(fd);
	free(buf);
	return 0;
}
