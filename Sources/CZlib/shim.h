#ifndef QMYSQL_CZLIB_SHIM_H
#define QMYSQL_CZLIB_SHIM_H
#include <zlib.h>
#endif
