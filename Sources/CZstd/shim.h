#ifndef QMYSQL_CZSTD_SHIM_H
#define QMYSQL_CZSTD_SHIM_H
#include <zstd.h>
#endif
