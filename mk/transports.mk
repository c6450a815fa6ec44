# transports.mk - included by Makefile.am; append with +=.
# Transports, binding a connection to one, socket methods on Connection.

libtlswire_core_la_SOURCES += \
	src/transport.c src/transport.h \
	src/bind.c src/bind.h \
	transports/pipe.c
if POSIX_TRANSPORTS
libtlswire_core_la_SOURCES += transports/socket.c transports/fd.c
else
libtlswire_core_la_SOURCES += transports/noposix.c
endif
EXTRA_DIST += transports/README

# Driving bound connections in tests.
tests_libtwtest_la_SOURCES += tests/helpers/bound.c tests/helpers/bound.h

# Tests. The POSIX ones only where the POSIX transports are built.
TW_TRANSPORT_TESTS = tests/check_transport_pipe tests/check_transport_callback \
	tests/check_bind
if POSIX_TRANSPORTS
TW_TRANSPORT_TESTS += tests/check_transport_socket tests/check_transport_fd \
	tests/check_socket_conn
endif
check_PROGRAMS += $(TW_TRANSPORT_TESTS) examples/custom_transport

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
tests_check_socket_conn_SOURCES = tests/check_socket_conn.c
tests_check_socket_conn_CFLAGS = $(TEST_CFLAGS)
tests_check_socket_conn_LDADD = $(TEST_LIBS)

# The custom-transport example: built and run by make check (TAP output).
examples_custom_transport_SOURCES = examples/custom_transport.c
examples_custom_transport_LDADD = libtlswire.la $(OPENSSL_LIBS)

# The UART-style example (a user vtable over a pty pair; POSIX, forks):
# built and run by make check (TAP output).
if POSIX_TRANSPORTS
check_PROGRAMS += examples/uart
endif
examples_uart_SOURCES = examples/uart.c
examples_uart_LDADD = libtlswire.la $(OPENSSL_LIBS)
