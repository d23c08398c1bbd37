package demos

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// The lab's command table: the tutorial's ssh-like server ran whatever the
// client typed through a shell (subprocess.Popen(cmd, shell=True)). The lab
// never does: a command name only selects one of these fixed, harmless
// texts, so the demos and `lab serve 5/6/10` show realistic replies of
// different sizes without running anything.

// lsOutput is a made-up directory listing of 1,511 bytes: larger than the
// client's recv(1024), so one read cannot take it all.
const lsOutput = `total 88
-rw-r--r--  1 learner  staff    1204 Mar  3 10:00 Makefile
-rw-r--r--  1 learner  staff    5873 Mar  4 10:03 README.md
-rw-r--r--  1 learner  staff     102 Mar  5 10:06 go.mod
-rw-r--r--  1 learner  staff    1431 Mar  6 10:09 go.sum
-rw-r--r--  1 learner  staff    4096 Mar  7 10:12 main.go
-rw-r--r--  1 learner  staff    2210 Mar  8 10:15 main_test.go
-rw-r--r--  1 learner  staff    1822 Mar  9 10:18 client.py
-rw-r--r--  1 learner  staff    2654 Mar 10 10:21 server.py
-rw-r--r--  1 learner  staff    9321 Mar 11 10:24 socket_notes.txt
-rw-r--r--  1 learner  staff    1377 Mar  3 10:27 struct_header.py
-rw-r--r--  1 learner  staff    1803 Mar  4 10:30 json_header.py
-rw-r--r--  1 learner  staff    1134 Mar  5 10:33 pickle_demo.py
-rw-r--r--  1 learner  staff    2966 Mar  6 10:36 remote_cmd.py
-rw-r--r--  1 learner  staff    7640 Mar  7 10:39 sticky_packets.md
-rw-r--r--  1 learner  staff    3312 Mar  8 10:42 upload.py
-rw-r--r--  1 learner  staff    2875 Mar  9 10:45 download.py
-rw-r--r--  1 learner  staff    1598 Mar 10 10:48 chat_bot.py
-rw-r--r--  1 learner  staff     907 Mar 11 10:51 udp_echo.py
-rw-r--r--  1 learner  staff      36 Mar  3 10:54 requirements.txt
-rw-r--r--  1 learner  staff     412 Mar  4 10:57 setup.cfg
-rw-r--r--  1 learner  staff    2281 Mar  5 10:00 chat_server.py
-rw-r--r--  1 learner  staff    4409 Mar  6 10:03 file_server.py
-rw-r--r--  1 learner  staff    1975 Mar  7 10:06 ssh_like.py
-rw-r--r--  1 learner  staff    1660 Mar  8 10:09 thread_server.py
`

var cannedOutputs = map[string]string{
	"ls -l":    lsOutput,
	"dir":      lsOutput,
	"whoami":   "learner\n",
	"pwd":      "/home/learner/socket-lab\n",
	"hostname": "socket-lab\n",
	"date":     "Mon Mar  3 10:00:00 CST 2025\n",
	"uname -a": "Linux socket-lab 6.1.0 #1 SMP x86_64 GNU/Linux\n",
	"echo 你好":  "你好\n",
}

// maxEchoedCommand is how much of an unknown command the "not found" text
// repeats.
const maxEchoedCommand = 64

// CannedOutput returns the lab's fixed output for a command, the way a shell
// would print it. Nothing is ever run. An unknown command gets a
// "command not found" text as its output, repeating at most 64 bytes of
// the command (surrounding spaces and a final newline are ignored, as a
// shell would).
func CannedOutput(cmd string) []byte {
	cmd = strings.TrimSpace(cmd)
	if out, ok := cannedOutputs[cmd]; ok {
		return []byte(out)
	}
	if len(cmd) > maxEchoedCommand {
		cut := maxEchoedCommand
		for cut > 0 && !utf8.RuneStart(cmd[cut]) {
			cut-- // do not cut a character in two
		}
		cmd = cmd[:cut] + "…"
	}
	return []byte("lab: " + cmd + ": command not found (the lab runs nothing; known: " +
		strings.Join(CannedCommands(), ", ") + ")\n")
}

// CannedCommands lists the commands CannedOutput knows, sorted.
func CannedCommands() []string {
	var out []string
	for c := range cannedOutputs {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
