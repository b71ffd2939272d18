#!/usr/bin/env python3
"""Idle CPU and key-to-screen latency of the squint workbench, driven in a pseudo-terminal.

usage (from the repository root): python3 benches/scripts/workbench_idle.py target/release/squint [IDLE_SECONDS] [KEY_SAMPLES]

Opens `squint tui` on the bundled digits (160x48, an unreachable host, fresh data and config
folders), waits 4 s, then reads the process's CPU ticks from /proc over IDLE_SECONDS (default
20) and counts the bytes it writes meanwhile; then presses `?` KEY_SAMPLES times (default 40),
timing each press to the first byte of the redrawn screen, and closes the help with Esc. Plays
the terminal's part for the start-up queries (cursor position, device attributes). Linux only.
"""
import os, pty, sys, time, select, statistics, tempfile, signal, struct, fcntl, termios

binary = sys.argv[1]
idle_s = float(sys.argv[2]) if len(sys.argv) > 2 else 20
samples = int(sys.argv[3]) if len(sys.argv) > 3 else 40
tmp = tempfile.mkdtemp()
env = dict(os.environ, SQUINT_DATA_DIR=tmp + "/data", SQUINT_CONFIG_DIR=tmp + "/cfg", TERM="xterm-256color")
env.pop("OLLAMA_HOST", None)
pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary, "tui", "--dataset", "sample-data/digits", "--host", "http://127.0.0.1:9"], env)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))

def answer(data):
    # Play the terminal: the cursor position and primary device attributes queries.
    if b"\x1b[6n" in data: os.write(fd, b"\x1b[48;1R")
    if b"\x1b[c" in data or b"\x1b[0c" in data: os.write(fd, b"\x1b[?62;22c")

def drain(timeout):
    got = 0
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0: return got
        r, _, _ = select.select([fd], [], [], left)
        if not r: return got
        try: data = os.read(fd, 65536)
        except OSError: return got
        got += len(data)
        answer(data)

def cpu_ticks():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])

drain(4.0)  # start-up, terminal query timeouts, first frames
t0, c0 = time.monotonic(), cpu_ticks()
out_bytes = drain(idle_s)
t1, c1 = time.monotonic(), cpu_ticks()
hz = os.sysconf("SC_CLK_TCK")
idle_pct = 100.0 * (c1 - c0) / hz / (t1 - t0)
lat = []
for i in range(samples):
    os.write(fd, b"?")  # help overlay opens ...
    s = time.monotonic()
    r, _, _ = select.select([fd], [], [], 1.0)
    if r:
        lat.append((time.monotonic() - s) * 1000)
        answer(os.read(fd, 65536))
    drain(0.15)
    os.write(fd, b"\x1b")  # ... and closes
    drain(0.25)
os.kill(pid, signal.SIGTERM)
try: os.waitpid(pid, 0)
except ChildProcessError: pass
print(f"idle: {idle_pct:.3f}% of a core over {t1-t0:.1f} s, {out_bytes} bytes written while idle")
if lat:
    print(f"key-to-screen: median {statistics.median(lat):.2f} ms, p90 {sorted(lat)[int(len(lat)*0.9)-1]:.2f} ms, n={len(lat)}")
