# tools.mk - included by Makefile.am; append with +=.
