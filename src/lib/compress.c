/* lz4 frame compression; see compress.h. */
#include "lib/compress.h"

#include <lz4frame.h>
#include <string.h>

#include "lib/err.h"

static const unsigned char frame_magic[4] = { 0x04, 0x22, 0x4d, 0x18 };

int compress_frame(const void *data, size_t len, struct buf *out)
{
    LZ4F_preferences_t prefs;
    size_t bound;
    size_t n;

    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentSize = len;
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    bound = LZ4F_compressFrameBound(len, &prefs);
    buf_reserve(out, bound);
    n = LZ4F_compressFrame(out->base + out->len, bound, data, len, &prefs);
    if (LZ4F_isError(n)) {
        return SK_ENOMEM;
    }
    out->len += n;
    return 0;
}

bool compress_is_frame(const void *data, size_t len)
{
    return len >= sizeof frame_magic &&
           memcmp(data, frame_magic, sizeof frame_magic) == 0;
}

int decompress_frame(const void *data,
                     size_t len,
                     size_t max_len,
                     struct buf *out)
{
    LZ4F_dctx *ctx;
    LZ4F_frameInfo_t info;
    const char *src = data;
    size_t start = out->len;
    size_t src_len = len;
    size_t hint;
    int rv = SK_ECORRUPT;

    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
        return SK_ENOMEM;
    }
    hint = LZ4F_getFrameInfo(ctx, &info, src, &src_len);
    if (LZ4F_isError(hint) || info.contentSize > max_len) {
        goto out;
    }
    src += src_len;
    len -= src_len;
    while (hint != 0) {
        size_t dst_len = 65536;
        size_t in_len = len;
        if (out->len - start + dst_len > max_len + 65536) {
            goto out; /* expands past the bound */
        }
        buf_reserve(out, dst_len);
        hint = LZ4F_decompress(ctx, out->base + out->len, &dst_len, src,
                               &in_len, NULL);
        if (LZ4F_isError(hint) || (in_len == 0 && dst_len == 0)) {
            goto out;
        }
        out->len += dst_len;
        src += in_len;
        len -= in_len;
    }
    if (len == 0 && out->len - start <= max_len &&
        (info.contentSize == 0 || out->len - start == info.contentSize)) {
        rv = 0;
    }
out:
    LZ4F_freeDecompressionContext(ctx);
    if (rv != 0) {
        out->len = start;
    }
    return rv;
}
