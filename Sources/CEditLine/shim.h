#ifndef QMYSQL_CEDITLINE_SHIM_H
#define QMYSQL_CEDITLINE_SHIM_H
// libedit's readline interface: line editing and history for the restore wizard's prompts.
// Its header needs FILE declared first.
#include <stdio.h>
#include <stdlib.h>
#include <editline/readline.h>

// libedit's signal handling off: the wizard handles Ctrl-C itself (the restore waits where it
// is) and restores the terminal. A function, because Swift 6 refuses to touch a C global.
static inline void qmysql_readline_setup(void) {
    rl_catch_signals = 0;
    using_history();
    stifle_history(100);
}
#endif
