// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/variable_monitor: open, ioctl dispatch, poll and release.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "compat.h"

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

/*
 * A misc device cannot give its node a group, so the device is our own:
 * its type's devnode() hands devtmpfs the mode and gid.
 */
static dev_t varmon_devt;
static struct cdev varmon_cdev;
static struct class *varmon_class;
static struct device *varmon_device;

static char *varmon_devnode(VARMON_DEVNODE_CONST struct device *dev,
			    umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	if (mode)
		*mode = varmon_group >= 0 ? 0660 : 0600;
	if (gid && varmon_group >= 0)
		*gid = make_kgid(&init_user_ns, varmon_group);
	return NULL;
}

static const struct device_type varmon_dev_type = {
	.name = "variable_monitor",
	.devnode = varmon_devnode,
};

static void varmon_device_release(struct device *dev)
{
	kfree(dev);
}

/**
 * varmon_dev_init() - register /dev/variable_monitor
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int varmon_dev_init(void)
{
	int err;

	if (varmon_group >= 0 &&
	    !gid_valid(make_kgid(&init_user_ns, varmon_group))) {
		pr_err("group=%d is not a valid gid\n", varmon_group);
		return -EINVAL;
	}

	err = alloc_chrdev_region(&varmon_devt, 0, 1, "variable_monitor");
	if (err)
		return err;
	cdev_init(&varmon_cdev, &varmon_fops);
	varmon_cdev.owner = THIS_MODULE;
	err = cdev_add(&varmon_cdev, varmon_devt, 1);
	if (err)
		goto out_unregister_region;

	varmon_class = varmon_class_create("variable_monitor");
	if (IS_ERR(varmon_class)) {
		err = PTR_ERR(varmon_class);
		goto out_cdev_del;
	}

	varmon_device = kzalloc(sizeof(*varmon_device), GFP_KERNEL);
	if (!varmon_device) {
		err = -ENOMEM;
		goto out_class_destroy;
	}
	device_initialize(varmon_device);
	varmon_device->devt = varmon_devt;
	varmon_device->class = varmon_class;
	varmon_device->type = &varmon_dev_type;
	varmon_device->release = varmon_device_release;
	err = dev_set_name(varmon_device, "variable_monitor");
	if (!err)
		err = device_add(varmon_device);
	if (err)
		goto out_put_device;
	return 0;

out_put_device:
	put_device(varmon_device);
out_class_destroy:
	class_destroy(varmon_class);
out_cdev_del:
	cdev_del(&varmon_cdev);
out_unregister_region:
	unregister_chrdev_region(varmon_devt, 1);
	return err;
}

/**
 * varmon_dev_exit() - remove /dev/variable_monitor
 *
 * Context: module exit; no file can be open (the module was in use).
 */
void varmon_dev_exit(void)
{
	device_unregister(varmon_device);
	class_destroy(varmon_class);
	cdev_del(&varmon_cdev);
	unregister_chrdev_region(varmon_devt, 1);
}
