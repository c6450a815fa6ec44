#include "testmain.h"
static Suite *make_suite(void) { return suite_create("sni"); }
TW_TEST_MAIN(make_suite, 0)
