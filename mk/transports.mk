# SPDX-License-Identifier: Apache-2.0
# transports.mk - included by Makefile.am; append with +=.
# Transports, binding a connection to one, socket methods on Connection.

libtlswire_core_la_SOURCES += \
	src/transport.c src/transport.h \
	src/bind.c src/bind.h \
	src/conn_wait.c src/dtls_link.c src/dtls_link.h \
	src/close.c src/close.h
if POSIX_TRANSPORTS
libtlswire_core_la_SOURCES += src/conn_socket.c
endif

# The built-in transports are compiled as a user's would be: their include
# path holds the public headers only (no src/), which proves that they need
# nothing else. The core (and so libtlswire and the tests) links them in.
noinst_LTLIBRARIES += libtlswire-transports.la
libtlswire_transports_la_SOURCES = transports/pipe.c
if POSIX_TRANSPORTS
libtlswire_transports_la_SOURCES += transports/socket.c transports/fd.c \
	transports/fdutil.c transports/fdutil.h
else
libtlswire_transports_la_SOURCES += transports/noposix.c
endif
libtlswire_transports_la_CPPFLAGS = -I$(top_srcdir)/include \
	-I$(top_builddir)/include $(OPENSSL_CFLAGS)
libtlswire_transports_la_CFLAGS = $(AM_CFLAGS) $(VISIBILITY_CFLAGS) \
	-DTLSWIRE_BUILDING
libtlswire_core_la_LIBADD += libtlswire-transports.la
EXTRA_DIST += transports/README tests/check-transport-includes.sh

# Driving bound connections in tests.
tests_libtwtest_la_SOURCES += tests/helpers/bound.c tests/helpers/bound.h

# Tests. The POSIX ones only where the POSIX transports are built.
TW_TRANSPORT_TESTS = tests/check_transport_pipe tests/check_transport_callback \
	tests/check_bind tests/check_transport_v2 tests/check_close
if POSIX_TRANSPORTS
TW_TRANSPORT_TESTS += tests/check_transport_socket tests/check_transport_fd \
	tests/check_socket_conn tests/check_event_loop \
	tests/check_readahead
endif
check_PROGRAMS += $(TW_TRANSPORT_TESTS) examples/custom_transport
if POSIX_TRANSPORTS
check_PROGRAMS += examples/poll_server examples/custom_socket
endif

tests_check_transport_pipe_SOURCES = tests/check_transport_pipe.c
tests_check_transport_pipe_CFLAGS = $(TEST_CFLAGS)
tests_check_transport_pipe_LDADD = $(TEST_LIBS)
tests_check_transport_callback_SOURCES = tests/check_transport_callback.c
tests_check_transport_callback_CFLAGS = $(TEST_CFLAGS)
tests_check_transport_callback_LDADD = $(TEST_LIBS)
tests_check_bind_SOURCES = tests/check_bind.c
tests_check_bind_CFLAGS = $(TEST_CFLAGS)
tests_check_bind_LDADD = $(TEST_LIBS)
tests_check_transport_socket_SOURCES = tests/check_transport_socket.c
tests_check_transport_socket_CFLAGS = $(TEST_CFLAGS)
tests_check_transport_socket_LDADD = $(TEST_LIBS)
tests_check_transport_fd_SOURCES = tests/check_transport_fd.c
tests_check_transport_fd_CFLAGS = $(TEST_CFLAGS)
tests_check_transport_fd_LDADD = $(TEST_LIBS)
tests_check_transport_v2_SOURCES = tests/check_transport_v2.c
tests_check_transport_v2_CFLAGS = $(TEST_CFLAGS)
tests_check_transport_v2_LDADD = $(TEST_LIBS)
tests_check_event_loop_SOURCES = tests/check_event_loop.c
tests_check_event_loop_CFLAGS = $(TEST_CFLAGS)
tests_check_event_loop_LDADD = $(TEST_LIBS)
tests_check_socket_conn_SOURCES = tests/check_socket_conn.c
tests_check_socket_conn_CFLAGS = $(TEST_CFLAGS)
tests_check_socket_conn_LDADD = $(TEST_LIBS)
# Graceful close (its socket cases only with the POSIX transports, over the
# socket transport and a counting user vtable: tests/helpers/sockvt).
tests_check_close_SOURCES = tests/check_close.c
if POSIX_TRANSPORTS
tests_check_close_SOURCES += tests/helpers/sockvt.c tests/helpers/sockvt.h
endif
tests_check_close_CFLAGS = $(TEST_CFLAGS)
tests_check_close_LDADD = $(TEST_LIBS)
# Read-ahead counted over the same user vtable on a socketpair.
tests_check_readahead_SOURCES = tests/check_readahead.c \
	tests/helpers/sockvt.c tests/helpers/sockvt.h
tests_check_readahead_CFLAGS = $(TEST_CFLAGS)
tests_check_readahead_LDADD = $(TEST_LIBS)

# The custom-transport example: built and run by make check (TAP output).
examples_custom_transport_SOURCES = examples/custom_transport.c
examples_custom_transport_LDADD = libtlswire.la $(OPENSSL_LIBS)

# transports/ includes nothing of the core (the include path proves it too).
TESTS += tests/check-transport-includes.sh

# The event-loop examples (POSIX): built and run by make check (TAP).
examples_poll_server_SOURCES = examples/poll_server.c
examples_poll_server_LDADD = libtlswire.la $(OPENSSL_LIBS)
examples_custom_socket_SOURCES = examples/custom_socket.c
examples_custom_socket_LDADD = libtlswire.la $(OPENSSL_LIBS)

# The UART-style example (a user vtable over a pty pair; POSIX):
# built and run by make check (TAP output).
if POSIX_TRANSPORTS
check_PROGRAMS += examples/uart
endif
examples_uart_SOURCES = examples/uart.c
examples_uart_LDADD = libtlswire.la $(OPENSSL_LIBS)
