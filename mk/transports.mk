# transports.mk - included by Makefile.am; append with +=.
