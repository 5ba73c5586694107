// SPDX-License-Identifier: GPL-2.0-only
/*
 * Watch conditions: checking their arguments at registration and
 * evaluating them on each sample (from the hrtimer callback).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/limits.h>

#include "varmon.h"

static const char * const varmon_cond_names[VARMON_COND_MAX + 1] =
	VARMON_COND_NAMES_INIT;

/**
 * varmon_cond_name() - short name of a condition
 * @cond:	VARMON_COND_*
 *
 * Return: "gt", "lt", ... or "?" for an unknown value.
 */
const char *varmon_cond_name(u8 cond)
{
	if (cond > VARMON_COND_MAX || !varmon_cond_names[cond])
		return "?";
	return varmon_cond_names[cond];
}

static u64 varmon_width_mask(u8 length)
{
	return length == 8 ? U64_MAX : (1ULL << (length * 8)) - 1;
}

/**
 * varmon_value_extend() - widen a raw sample as the watch's type says
 * @w:		the watch
 * @raw:	its bytes, zero-extended
 *
 * Return: the value, sign-extended unless the watch is unsigned.
 */
s64 varmon_value_extend(const struct varmon_watch_k *w, u64 raw)
{
	unsigned int shift = 64 - w->length * 8;

	if (w->flags & VARMON_WATCH_UNSIGNED || !shift)
		return raw;
	return (s64)(raw << shift) >> shift;
}

/* What is wrong with the condition fields of a request, or NULL. */
static const char *varmon_cond_problem(const struct varmon_watch *uw)
{
	bool is_unsigned = uw->flags & VARMON_WATCH_UNSIGNED;
	bool ranged = uw->cond == VARMON_COND_IN || uw->cond == VARMON_COND_OUT;
	bool bits = uw->cond == VARMON_COND_ANY_BITS ||
		    uw->cond == VARMON_COND_ALL_BITS;
	u64 mask = uw->threshold;

	if (!ranged && uw->arg)
		return "arg is only for the in and out conditions";
	if (ranged && varmon_less(is_unsigned, uw->arg, uw->threshold))
		return "range high end below its low end";
	if (bits && (!mask || mask & ~varmon_width_mask(uw->length)))
		return "bit mask empty or wider than the variable";
	if (uw->cond == VARMON_COND_CHANGED && uw->threshold)
		return "threshold must be 0 for the changed condition";
	if (uw->cond == VARMON_COND_STALLED &&
	    (uw->threshold < 1 || uw->threshold > INT_MAX))
		return "stall sample count not in 1..INT_MAX";
	if (!(uw->flags & VARMON_WATCH_REARM_VALUE))
		return uw->rearm ? "rearm set without VARMON_WATCH_REARM_VALUE" :
				   NULL;

	switch (uw->cond) {
	case VARMON_COND_GT:
	case VARMON_COND_GE:
		if (!varmon_less(is_unsigned, uw->rearm, uw->threshold))
			return "rearm must be below the threshold";
		return NULL;
	case VARMON_COND_LT:
	case VARMON_COND_LE:
		if (!varmon_less(is_unsigned, uw->threshold, uw->rearm))
			return "rearm must be above the threshold";
		return NULL;
	default:
		return "rearm by value needs gt, ge, lt or le";
	}
}

/**
 * varmon_cond_check() - check the condition-specific fields of a request
 * @uw:		the request; its cond, length and flags are already valid
 * @why:	set to what is wrong on failure
 *
 * Return: 0 or -EINVAL.
 */
int varmon_cond_check(const struct varmon_watch *uw, const char **why)
{
	*why = varmon_cond_problem(uw);
	return *why ? -EINVAL : 0;
}

/**
 * varmon_cond_init() - start a watch's history at its current value
 * @w:		the watch
 * @value:	its value now
 */
void varmon_cond_init(struct varmon_watch_k *w, s64 value)
{
	w->state.prev = value;
	w->state.same = 0;
	w->state.moved = false;
	w->state.latched = false;
}

static bool varmon_cond_hit(struct varmon_watch_k *w, s64 v)
{
	bool u = w->flags & VARMON_WATCH_UNSIGNED;
	u64 bits = (u64)v & varmon_width_mask(w->length);
	u64 mask = w->threshold;
	struct varmon_cond_state *st = &w->state;

	switch (w->cond) {
	case VARMON_COND_GT:
		return varmon_less(u, w->threshold, v);
	case VARMON_COND_LT:
		return varmon_less(u, v, w->threshold);
	case VARMON_COND_GE:
		return !varmon_less(u, v, w->threshold);
	case VARMON_COND_LE:
		return !varmon_less(u, w->threshold, v);
	case VARMON_COND_EQ:
		return v == w->threshold;
	case VARMON_COND_NE:
		return v != w->threshold;
	case VARMON_COND_IN:
		return !varmon_less(u, v, w->threshold) &&
		       !varmon_less(u, w->arg, v);
	case VARMON_COND_OUT:
		return varmon_less(u, v, w->threshold) ||
		       varmon_less(u, w->arg, v);
	case VARMON_COND_ANY_BITS:
		return bits & mask;
	case VARMON_COND_ALL_BITS:
		return (bits & mask) == mask;
	case VARMON_COND_CHANGED:
		if (v == st->prev)
			return false;
		st->prev = v;
		return true;
	case VARMON_COND_STALLED:
		if (v != st->prev) {
			st->prev = v;
			st->same = 0;
			st->moved = true;
			st->latched = false;
			return false;
		}
		if (!st->moved || st->latched || ++st->same < w->threshold)
			return false;
		st->latched = true;	/* once per stall */
		return true;
	}
	return false;
}

/**
 * varmon_cond_eval() - evaluate a watch on a new sample
 * @w:		the watch
 * @value:	the sample
 *
 * Context: hrtimer callback, under the timer's lock.
 * Return: true when the watch fires.
 */
bool varmon_cond_eval(struct varmon_watch_k *w, s64 value)
{
	struct varmon_cond_state *st = &w->state;
	bool hit = varmon_cond_hit(w, value);

	if (!(w->flags & VARMON_WATCH_REARM_VALUE))
		return hit;
	if (st->latched) {
		bool u = w->flags & VARMON_WATCH_UNSIGNED;
		bool back = w->cond == VARMON_COND_GT ||
			    w->cond == VARMON_COND_GE ?
			    !varmon_less(u, w->rearm, value) :
			    !varmon_less(u, value, w->rearm);

		if (back)
			st->latched = false;
		return false;
	}
	if (hit)
		st->latched = true;
	return hit;
}
