// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/variable_monitor: open, ioctl dispatch, poll and release.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "capture.h"
#include "varmon.h"

static int varmon_group = -1;
module_param_named(group, varmon_group, int, 0444);
MODULE_PARM_DESC(group,
		 "gid allowed to use /dev/variable_monitor (default: root only)");

/**
 * varmon_copy_arg() - copy a size-versioned ioctl argument
 * @dst:	kernel struct
 * @ksize:	its size
 * @ver0_size:	the smallest size the ABI ever had
 * @src:	user struct starting with a __u32 size field
 *
 * Shorter structs from older binaries are zero-extended; longer ones are
 * accepted only if the part this kernel does not know is zero.
 *
 * Context: process, may fault.
 * Return: 0, -EFAULT, -EINVAL (size too small) or -E2BIG.
 */
int varmon_copy_arg(void *dst, size_t ksize, size_t ver0_size,
		    const void __user *src)
{
	u32 usize;
	int err;

	if (get_user(usize, (const u32 __user *)src))
		return -EFAULT;
	if (usize < ver0_size) {
		pr_warn_ratelimited("%s[%d]: ioctl argument size %u below %zu\n",
				    current->comm, task_tgid_vnr(current),
				    usize, ver0_size);
		return -EINVAL;
	}
	if (usize > PAGE_SIZE)
		return -E2BIG;
	err = copy_struct_from_user(dst, ksize, src, usize);
	if (err == -E2BIG)
		pr_warn_ratelimited("%s[%d]: ioctl argument has unknown non-zero fields\n",
				    current->comm, task_tgid_vnr(current));
	return err;
}

static int varmon_open(struct inode *inode, struct file *file)
{
	/* The node is 0666 only when a group is set; enforce it here. */
	if (varmon_group >= 0 && !capable(CAP_SYS_ADMIN) &&
	    !in_group_p(make_kgid(&init_user_ns, varmon_group)))
		return -EPERM;
	return nonseekable_open(inode, file);
}

static int varmon_release(struct inode *inode, struct file *file)
{
	varmon_file_release(file);
	return 0;
}

static long varmon_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (VARMON_IOC_BASE(cmd)) {
	case VARMON_IOC_BASE(VARMON_IOC_WATCH):
		return varmon_ioctl_watch(file, argp);
	case VARMON_IOC_BASE(VARMON_IOC_CANCEL):
		return varmon_ioctl_cancel(file, argp);
	case VARMON_IOC_BASE(VARMON_IOC_DRAIN):
		return varmon_capture_ioctl_drain(file, argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations varmon_fops = {
	.owner = THIS_MODULE,
	.open = varmon_open,
	.release = varmon_release,
	.unlocked_ioctl = varmon_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = varmon_capture_poll,
};

static struct miscdevice varmon_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "variable_monitor",
	.fops = &varmon_fops,
	.mode = 0600,
};

/**
 * varmon_dev_init() - register /dev/variable_monitor
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int varmon_dev_init(void)
{
	if (varmon_group >= 0)
		varmon_misc.mode = 0666;
	return misc_register(&varmon_misc);
}

/**
 * varmon_dev_exit() - remove /dev/variable_monitor
 *
 * Context: module exit; no file can be open (the module was in use).
 */
void varmon_dev_exit(void)
{
	misc_deregister(&varmon_misc);
}
