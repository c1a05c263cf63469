/* CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and
 * final xor 0xFFFFFFFF. crc32c("123456789") == 0xE3069283.
 * Thread-safe; the tables are built once on first use. */
#ifndef DMLOG_CRC32C_H
#define DMLOG_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC of buf[0..len). */
uint32_t crc32c(const void *buf, size_t len);

/* Continue a CRC: crc32c_update(crc32c(a, n), b, m) == crc32c(a || b).
 * crc32c_update(0, buf, len) == crc32c(buf, len). */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);

/* The portable table implementation (crc32c_update uses the CPU's CRC32C
 * instruction where there is one); exposed so tests compare the two. */
uint32_t crc32c_update_sw(uint32_t crc, const void *buf, size_t len);

#endif
