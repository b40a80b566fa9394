/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_MONITOR_H
#define SNAPADM_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <netlink/attr.h>

/*
 * One event as one line: "[bdev NEW] name=Malloc0 type=malloc ..." or
 * {"event":"bdev_new","name":"Malloc0",...}. cmd is the genl command the
 * kernel sent it with, tb its attributes indexed by SNAP_A_*.
 */
void monitor_print_event(FILE *out, bool json, uint8_t cmd, struct nlattr **tb);

#endif
