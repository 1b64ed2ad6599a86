#!/bin/sh
# janus/start: a private, minimal Janus for the benchmarks. Writes a config
# into DIR (ICE-lite, only the echotest plugin and the HTTP transport, no
# event handlers, loggers or other transports, log to DIR/janus.log), gives
# Janus a non-loopback interface for 127.0.0.2 when asked for that address
# inside a private network namespace (Janus never gathers on a loopback
# interface), starts it in the background, waits until its HTTP API answers
# and writes its PID to DIR/janus.pid (also printed on stdout). The caller
# stops it by that PID.
#   sh janus/start.sh DIR [ICE_IP (127.0.0.2)] [HTTP_IP (127.0.0.1)] [HTTP_PORT (8088)]
#                     [PORTS (20000-40000): its ICE/RTP port range]
set -eu
DIR=${1:?usage: start.sh DIR [ICE_IP] [HTTP_IP] [HTTP_PORT]}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
ICE_IP=${2:-127.0.0.2}
HTTP_IP=${3:-127.0.0.1}
HTTP_PORT=${4:-8088}
PORTS=${5:-20000-40000}
LIB=${JANUS_LIBDIR:-/usr/lib/x86_64-linux-gnu/janus}
BIN=${JANUS_BIN:-janus}
WAIT_TRIES=100                       # x 0.1 s until the HTTP API answers

command -v "$BIN" >/dev/null || { echo "janus/start: janus is not installed (Debian package janus)" >&2; exit 1; }
[ -f "$LIB/plugins/libjanus_echotest.so" ] && [ -f "$LIB/transports/libjanus_http.so" ] ||
	{ echo "janus/start: no echotest plugin or HTTP transport in $LIB" >&2; exit 1; }

# 127.0.0.2 is routed by lo's 127.0.0.0/8, but Janus skips loopback
# interfaces: put the address on a veth. Only inside a private namespace.
if [ "$ICE_IP" = 127.0.0.2 ] && ! ip -o addr show to 127.0.0.2/32 | grep -q jv0; then
	[ "${RTCD_IN_NETNS:-}" = 1 ] ||
		{ echo "janus/start: 127.0.0.2 needs a private network namespace (RTCD_IN_NETNS=1)" >&2; exit 1; }
	ip link add jv0 type veth peer name jv1
	ip addr add 127.0.0.2/32 dev jv0
	ip link set jv0 up
	ip link set jv1 up
fi

mkdir -p "$DIR/conf" "$DIR/plugins" "$DIR/transports" "$DIR/empty"
ln -sf "$LIB/plugins/libjanus_echotest.so" "$DIR/plugins/"
ln -sf "$LIB/transports/libjanus_http.so" "$DIR/transports/"
printf 'general: {\n}\n' > "$DIR/conf/janus.plugin.echotest.jcfg"
cat > "$DIR/conf/janus.jcfg" <<CONF
general: {
	interface = "$ICE_IP"
	plugins_folder = "$DIR/plugins"
	transports_folder = "$DIR/transports"
	events_folder = "$DIR/empty"
	loggers_folder = "$DIR/empty"
	debug_level = 4
	session_timeout = 60
}
certificates: {
}
media: {
	rtp_port_range = "$PORTS"
}
nat: {
	ice_lite = true
	ice_enforce_list = "$ICE_IP"
	ignore_mdns = true
}
plugins: {
}
transports: {
}
loggers: {
}
events: {
}
CONF
cat > "$DIR/conf/janus.transport.http.jcfg" <<CONF
general: {
	json = "plain"
	base_path = "/janus"
	http = true
	port = $HTTP_PORT
	ip = "$HTTP_IP"
	https = false
}
admin: {
	admin_http = false
	admin_https = false
}
CONF

"$BIN" -F "$DIR/conf" -C "$DIR/conf/janus.jcfg" -N -o -L "$DIR/janus.log" \
	</dev/null >/dev/null 2>"$DIR/janus.stderr" &
JP=$!
echo "$JP" > "$DIR/janus.pid"
i=0
until python3 - "$HTTP_IP" "$HTTP_PORT" <<'PY' 2>/dev/null
import json, sys, urllib.request
u = "http://%s:%s/janus/info" % (sys.argv[1], sys.argv[2])
sys.exit(0 if json.load(urllib.request.urlopen(u, timeout=1)).get("janus") == "server_info" else 1)
PY
do
	i=$((i + 1))
	if [ $i -ge $WAIT_TRIES ] || ! kill -0 "$JP" 2>/dev/null; then
		echo "janus/start: Janus did not answer on http://$HTTP_IP:$HTTP_PORT/janus" >&2
		tail -20 "$DIR/janus.log" "$DIR/janus.stderr" >&2 || true
		kill "$JP" 2>/dev/null || true
		exit 1
	fi
	sleep 0.1
done
echo "$JP"
