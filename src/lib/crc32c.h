/* CRC32C (Castagnoli), the checksum of snapshots (proto/SNAPSHOT.md). */
#ifndef SK_CRC32C_H
#define SK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC32C of @len bytes: reflected polynomial 0x82F63B78, initial value and
 * final XOR 0xFFFFFFFF; "123456789" gives 0xE3069283. */
uint32_t crc32c(const void *data, size_t len);

#endif
