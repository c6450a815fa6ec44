#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/tools/server.sh - `tlswire server` as an event-loop server, on
# loopback, driven by tests/tools/tw-probe (many non-blocking clients in one
# poll loop): 200 concurrent clients each echoing 64 KiB; 50 idle TCP
# connections and an idle TLS client do not delay a normal client and are
# dropped at their timeouts; a bad record still gets the server's alert
# (no reset); accept errors (EMFILE) are survived; SIGTERM closes every
# connection with close_notify and exits 0; --verify-client, --sni, version
# mismatches, encrypted keys, SSLKEYLOGFILE, -v.
#
# Time limits are generous: the machines running this are shared and slow.
. "${srcdir:-.}/tests/tools/lib.sh"
echo "1..34"
PROBE=${PROBE:-$(cd "$top_builddir" && pwd)/tests/tools/tw-probe}
cd "$tw_tmp" || exit 1

if make_certs; then ok "certificates made"; else not_ok "certificates made"; diag certs.log; exit 1; fi

# probe DESC ARGS...: runs tw-probe with a time limit; one test point.
probe() {
  desc=$1
  shift
  timeout 180 "$PROBE" "$@" >probe.out 2>probe.err
  prc=$?
  if [ "$prc" -eq 0 ]; then ok "$desc"; else not_ok "$desc (exit $prc)"; diag probe.err "$name.err"; fi
  diag probe.out
}

# says FILE TEXT
says() {
  if has "$1" "$2"; then ok "  $(basename "$1") has '$2'"; else not_ok "  $(basename "$1") has '$2'"; diag "$1"; fi
}

# lines FILE TEXT N: FILE has exactly N lines with TEXT.
lines() {
  k=$(count "$1" "$2")
  if [ "$k" = "$3" ]; then ok "  $3 lines '$2'"; else not_ok "  $3 lines '$2' (found $k)"; diag "$1"; fi
}

# exit_is CODE DESC: the last server exited with CODE.
exit_is() {
  if [ "$src" -eq "$1" ]; then ok "$2 (exit $1)"; else not_ok "$2 (exit $src, expected $1)"; diag "$name.err"; fi
}

# --- 200 concurrent clients, 64 KiB each -----------------------------------
# 200 handshakes at once take seconds on a loaded machine under sanitizers:
# the handshake timeout is not what this test is about.
tw_server load --cert leaf.pem --key leaf.key --handshake-timeout 120
probe "200 concurrent clients each echo 64 KiB and close cleanly" \
  load "$port" ca.pem 200 65536
stop_server
exit_is 0 "  SIGTERM stops the server"
lines load.err "65536 bytes in, 65536 bytes out" 200
lines load.err "ended: closed by the client" 200
says load.err "client 127.0.0.1:"

# --- idle connections are no obstacle, and are dropped -----------------------
# 50 bare TCP connections and one client that handshakes and idles; a normal
# client is still served within 5 s (a second on an idle machine); the bare
# ones go at the handshake timeout (2 s), the idle client at the idle
# timeout (3 s), each after a graceful close of at most 1 s.
tw_server idle --cert leaf.pem --key leaf.key --handshake-timeout 2 \
  --idle-timeout 3 --close-timeout 1
probe "a normal client is served while 51 idle connections are open" \
  idle "$port" ca.pem 50 5000 60
says probe.out "50 of 50 bare connections dropped"
says probe.out "with close_notify"
stop_server
lines idle.err "ended: handshake timeout" 50
lines idle.err "ended: idle timeout" 1
# None went before its timeout: the duration logged is at least 2 s.
early=$(grep -F 'ended: handshake timeout' idle.err |
  sed 's/.*, \([0-9.]*\) s, ended.*/\1/' | awk '$1 < 1.9' | wc -l)
if [ "$early" -eq 0 ]; then ok "  no connection dropped before its timeout"; else not_ok "  $early dropped before the 2 s timeout"; diag idle.err; fi

# --- a bad record, then more bytes: the alert still arrives ------------------
tw_server bad --cert leaf.pem --key leaf.key --close-timeout 1
probe "a peer sending a bad record and 64 KiB more reads the alert, no reset" \
  badrecord "$port"
stop_server
says bad.err "ended: failed: handshake: TLSWIRE_E_SSL"

# --- SIGTERM: every connection closed with close_notify, exit 0 --------------
tw_server term --cert leaf.pem --key leaf.key
timeout 120 "$PROBE" hold "$port" ca.pem 5 60 >hold.out 2>hold.err &
hold_pid=$!
wait_for hold.out '^ready'
stop_server
wait "$hold_pid"
hrc=$?
exit_is 0 "SIGTERM with 5 clients connected"
if [ "$hrc" -eq 0 ]; then ok "  all 5 clients received close_notify"; else not_ok "  all 5 clients received close_notify"; diag hold.out hold.err; fi
lines term.err "ended: server stopping" 5
says term.err "closing 5 connection(s)"

# --- accept errors: out of descriptors, the server pauses and goes on --------
# 20 descriptors: a dozen clients at once at most; 40 clients all get served.
(ulimit -n 20 && exec "$TLSWIRE" server 0 --cert leaf.pem --key leaf.key \
  >emfile.out 2>emfile.err) &
server_pid=$!
tw_pids="$tw_pids $server_pid"
wait_for emfile.out '^listening on' && port=$(port_of emfile.out '^listening on')
name=emfile
probe "40 clients against a server limited to 20 descriptors" \
  load "$port" ca.pem 40 4096
stop_server
exit_is 0 "  the server survived EMFILE"
says emfile.err "accept: Too many open files; pausing accepts"
lines emfile.err "ended: closed by the client" 40

# --- --verify-client ---------------------------------------------------------
tw_server vc --cert leaf.pem --key leaf.key --verify-client --cafile ca.pem
echo hi | tw client localhost "$port" --cafile ca.pem --cert client.pem \
  --key client.key -q >vc1.out 2>vc1.err
rc=$?
if [ "$rc" -eq 0 ] && has vc1.out hi; then ok "--verify-client: a client with a certificate is served"; else not_ok "--verify-client: client with a certificate (exit $rc)"; diag vc1.err; fi
echo hi | tw client localhost "$port" --cafile ca.pem -q >vc2.out 2>vc2.err
rc=$?
if [ "$rc" -eq 1 ]; then ok "--verify-client: a client without one is refused (exit 1)"; else not_ok "--verify-client: a client without one is refused (exit $rc)"; diag vc2.err; fi
stop_server
says vc.err "peer did not return a certificate"

# --- SNI: a second certificate for evil.example ---------------------------
tw_server sni --cert leaf.pem --key leaf.key --sni evil.example:evil.pem:evil.key
echo hi | tw client 127.0.0.1 "$port" --cafile ca.pem --servername evil.example >sni1.out 2>sni1.err
rc=$?
if [ "$rc" -eq 0 ]; then ok "--sni: the client asking for evil.example gets its certificate"; else not_ok "--sni: evil.example (exit $rc)"; diag sni1.err; fi
says sni1.err "host name evil.example matches"
echo hi | tw client localhost "$port" --cafile ca.pem >sni2.out 2>sni2.err
rc=$?
if [ "$rc" -eq 0 ]; then ok "--sni: other names get the --cert certificate"; else not_ok "--sni: other names (exit $rc)"; diag sni2.err; fi
stop_server

# --- protocol version mismatch: both sides say what each allows --------------
tw_server v13 --cert leaf.pem --key leaf.key --tls1.3
echo hi | tw client localhost "$port" --cafile ca.pem --tls1.2 >v.out 2>v.err
rc=$?
stop_server
if [ "$rc" -eq 1 ]; then ok "TLS 1.2 client, TLS 1.3 server: exit 1"; else not_ok "TLS 1.2 client, TLS 1.3 server (exit $rc)"; fi
says v.err "protocol version mismatch: this client allows TLSv1.2 only"
says v13.err "the client offers TLSv1.2 or older; this server allows TLSv1.3 only"

# --- an encrypted key with --pass; SSLKEYLOGFILE; -v -------------------------
SSLKEYLOGFILE=$tw_tmp/server.keys
export SSLKEYLOGFILE
tw_server enc --cert leaf.pem --key leaf-enc.key --pass file:pass.txt -v
unset SSLKEYLOGFILE
if [ -n "$port" ]; then ok "server with an encrypted key and --pass file:"; else not_ok "server with an encrypted key and --pass file:"; fi
echo hi | tw client localhost "$port" --cafile ca.pem -q >enc.out 2>enc.err
stop_server
says server.keys "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
says enc.err "tlswire server: handshake done"
