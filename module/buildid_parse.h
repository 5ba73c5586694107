/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GNU build-id from the first bytes of an ELF file; shared by the module
 * and the host tests (see buildid_shim.h).
 */
#ifndef VARMON_BUILDID_PARSE_H
#define VARMON_BUILDID_PARSE_H

#include "buildid_shim.h"

/* Longest build-id kept, as the kernel's BUILD_ID_SIZE_MAX. */
#define VARMON_BUILD_ID_MAX	20

int varmon_buildid_parse(const void *buf, size_t len, u8 *id, u8 *id_len);

#endif /* VARMON_BUILDID_PARSE_H */
