/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Readable names for C++ (Itanium ABI) and Rust (legacy and v0) symbols,
 * through libiberty's demangler, which handles all three. Each name is
 * demangled once per run.
 */
#ifndef UCLI_DEMANGLE_H
#define UCLI_DEMANGLE_H

struct demangler;

struct demangler *demangler__new(void);
void demangler__free(struct demangler *d);

/*
 * The demangled form of @sym, or @sym itself when it is not mangled.
 * @sym must stay valid (and unchanged) as long as @d: names are cached
 * by address. The result lives as long as @d.
 */
const char *demangler__name(struct demangler *d, const char *sym);

#endif /* UCLI_DEMANGLE_H */
