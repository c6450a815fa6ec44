#include "testmain.h"
static Suite *make_suite(void) { return suite_create("context_api"); }
TW_TEST_MAIN(make_suite, 0)
