// SPDX-License-Identifier: GPL-2.0-only
/*
 * A task that is running on another CPU has a moving kernel stack and
 * stale saved user registers, so it is captured on its own CPU instead:
 * an IPI runs a handler there, which, if the task is still the one
 * running, unwinds from the interrupted context and copies the user
 * registers and the top of the user stack on the spot (without faulting:
 * pages that are not present end the copy). This is what the original
 * load monitor got by sampling from a timer on every CPU.
 *
 * The handler finds the interrupted context by unwinding its own stack
 * with the ORC unwinder up to the interrupt's register frame (the IPI
 * vector does not set irq_regs on x86).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/fsgsbase.h>
#include <asm/ptrace.h>
#include <asm/unwind.h>

#include "capture_priv.h"

/* Up to the first page that cannot be read without faulting. */
static size_t varmon_copy_user_nofault(void *dst, unsigned long src,
				       size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t n = min_t(size_t, len - done,
				 PAGE_SIZE - offset_in_page(src + done));

		if (copy_from_user_nofault(dst + done,
					   (const void __user *)(src + done), n))
			break;
		done += n;
	}
	return done;
}

/*
 * The register frame of the interrupt that brought us here, with the
 * kernel frames from the interrupted context on recorded in @oc.
 */
static struct pt_regs *varmon_oncpu_unwind(struct varmon_oncpu *oc)
{
	struct pt_regs *regs = NULL;
	struct unwind_state state;
	unsigned long addr;

	for (unwind_start(&state, current, NULL, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		if (!regs) {
			regs = unwind_get_entry_regs(&state, NULL);
			if (!regs)
				continue;
			/* Running in user mode: no kernel frames. */
			if (user_mode(regs))
				break;
		}
		if (oc->nr_kstack == VARMON_KSTACK_MAX)
			break;
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		oc->kstack[oc->nr_kstack++] = addr;
	}
	return regs;
}

/* IPI handler, on the CPU the task was seen running on; IRQs off. */
static void varmon_oncpu_fn(void *arg)
{
	struct varmon_oncpu *oc = arg;
	struct pt_regs *regs, *uregs;

	if (current != oc->task)
		return;
	regs = varmon_oncpu_unwind(oc);
	if (!regs)
		return;
	oc->hit = true;
	oc->in_user = user_mode(regs);
	if (!current->mm || (current->flags & PF_KTHREAD))
		return;

	/* In the kernel, the user state is the one saved at entry. */
	uregs = oc->in_user ? regs : task_pt_regs(current);
	if (!user_mode(uregs))
		return;
	varmon_pt_regs_copy(&oc->regs, uregs);
	oc->regs.reg[VARMON_REG_FS_BASE] = x86_fsbase_read_cpu();
	/* User GS base is not in use on x86-64 Linux; the saved one will do. */
	oc->regs.reg[VARMON_REG_GS_BASE] = current->thread.gsbase;
	oc->regs_ok = true;
	oc->ustack_len = varmon_copy_user_nofault(oc->ustack, uregs->sp,
						  oc->ustack_max);
}

/**
 * varmon_oncpu_capture() - capture a task on the CPU it runs on
 * @oc:		in: @task, @ustack and @ustack_max; out: the rest
 * @task:	a referenced task other than current
 * @ustack_max:	user stack bytes wanted, at most the room at @oc->ustack
 *
 * Context: process context with interrupts on; waits for the IPI.
 * Return: true when the task was caught running (@oc->hit): its kernel
 * frames, and for a user task its registers and stack, are in @oc.
 * False when it was not running by the time the IPI arrived.
 */
bool varmon_oncpu_capture(struct varmon_oncpu *oc, struct task_struct *task,
			  size_t ustack_max)
{
	oc->task = task;
	oc->ustack_max = ustack_max;
	oc->hit = false;
	oc->in_user = false;
	oc->regs_ok = false;
	oc->nr_kstack = 0;
	oc->ustack_len = 0;
	if (task == current || !READ_ONCE(task->on_cpu))
		return false;
	if (smp_call_function_single(task_cpu(task), varmon_oncpu_fn, oc, 1))
		return false;
	return oc->hit;
}
