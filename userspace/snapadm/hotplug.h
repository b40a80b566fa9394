/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_HOTPLUG_H
#define SNAPADM_HOTPLUG_H

/*
 * virtio_blk_controller_hotplug / _hotunplug --wait_for_done: how long the
 * host may take, and how often its progress is read. pciehp lets a device
 * go 5 s after the attention button; adding one takes the driver's probe.
 */
#define HOTPLUG_WAIT_MS		60000
#define HOTPLUG_POLL_MS		100

#endif
