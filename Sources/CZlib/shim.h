#ifndef QMYSQL_CZLIB_SHIM_H
#define QMYSQL_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2/inflateInit2 are macros Swift cannot call: these wrap them. windowBits 31 is
   the gzip container (what `gzip` and `gunzip` read and write). */
static inline int qmysql_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
}
static inline int qmysql_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 31);
}
#endif
