/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_CRC32C_H
#define SNAP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32C (Castagnoli), as NVMe/TCP digests use it: crc32c(0, buf, len) is
 * the digest of buf, and crc32c(crc32c(0, a, n), b, m) that of a then b.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);
/* The same without the CPU's CRC instruction (tests compare the two). */
uint32_t crc32c_table(uint32_t crc, const void *buf, size_t len);

#endif
