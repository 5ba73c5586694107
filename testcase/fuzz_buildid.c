// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the module's build-id parser: any bytes, handed
 * over in a heap block of exactly their length, so that ASan reports a
 * read past them. A build-id found must be 1 to 20 bytes long.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buildid_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 id[VARMON_BUILD_ID_MAX], id_len = 0;
	void *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (!varmon_buildid_parse(copy, size, id, &id_len) &&
	    (!id_len || id_len > VARMON_BUILD_ID_MAX))
		abort();
	free(copy);
	return 0;
}
