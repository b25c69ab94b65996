#ifndef QMYSQL_CMARIADB_SHIM_H
#define QMYSQL_CMARIADB_SHIM_H
#include <mysql.h>
#endif
