package main

import "socketlab/lab"

// The help texts of "lab check", "lab exercises" and "lab exercise" (commands.go lists them).
var (
	checkHelp = lab.T(`lab check <slug> [flags] -- <command> [args...] grades your own program: it runs
the command, plays the other side of the exercise's protocol through every
case ("lab exercise <slug>" lists them; none is hidden) and says, for each,
pass or fail: what the lab sent, what it expected, what arrived, the end of
the trace, what your program printed, and a hint naming the likely bug.

  lab check echo-server -- python3 echo_server.py {port}
  lab check struct-client -- go run struct_client.go {host} {port}

In the command, {host} and {port} are replaced; LAB_HOST and LAB_PORT are set,
and PYTHONUNBUFFERED=1 (ftp-server also gets {users} and {root}, LAB_FTP_USERS
and LAB_FTP_ROOT: a users file and a served folder the lab makes). The program runs in its own process group and is
always stopped at the end, with everything it started (Ctrl-C included).
A server runs once for all cases and is found listening from /proc (never by
connecting to it); a client runs once per case and connects to the lab.

  --port N        your server's port (looked for there, not discovered), or where
                  the lab listens for your client (default: a free port)
  --wait DUR      how long a server may take to listen (default 30s)
  --timeout DUR   how long one case may take (default 10s)
  --dir DIR       the folder your program runs in (default: the current one);
                  upload-server stores into uploads/ there; .lab-progress.json is kept there
  --format F      text, or json: {"status": "pass|fail|error", "tests": [{"id",
                  "name", "status", "message", …}]}, for a course's own grader
  --lang L        en or zh
  --color C, --width N   as for lab run

exit codes: 0 every case passed · 1 a case failed, or the program could not be
run (status error, said in words) · 2 bad usage · 130 interrupted
`, `lab check <slug> [选项] -- <命令> [参数...] 给你自己的程序评分：它运行这个命令，在每个用例里
扮演练习协议的另一端（"lab exercise <slug>" 列出全部用例，没有隐藏的），并对每个用例给出
通过或失败：实验台发了什么、期望什么、收到了什么、调用跟踪的末尾、你的程序输出了什么，
以及一个点明可能错误的提示。

  lab check echo-server -- python3 echo_server.py {port}
  lab check struct-client -- go run struct_client.go {host} {port}

命令里的 {host} 和 {port} 会被替换；同时设置 LAB_HOST、LAB_PORT 和 PYTHONUNBUFFERED=1
（ftp-server 还会得到 {users} 和 {root}、LAB_FTP_USERS 和 LAB_FTP_ROOT：
实验台生成的用户文件和服务目录）。
程序在自己的进程组里运行，结束时总会被停止，连同它启动的一切（包括按 Ctrl-C 时）。
服务端对所有用例只运行一次，实验台从 /proc 找到它监听的端口（从不去连接它试探）；
客户端每个用例运行一次，连接到实验台。

  --port N        你的服务端的端口（在那里找，不再自动发现），或者实验台为你的客户端
                  监听的端口（默认：一个空闲端口）
  --wait 时长     服务端开始监听最多可以用多久（默认 30s）
  --timeout 时长  一个用例最多可以用多久（默认 10s）
  --dir 目录      你的程序运行所在的文件夹（默认：当前文件夹）；upload-server 存进
                  那里的 uploads/；.lab-progress.json 也保存在那里
  --format F      text，或 json：{"status": "pass|fail|error", "tests": [{"id",
                  "name", "status", "message", …}]}，给课程自己的评分程序用
  --lang L        en 或 zh
  --color C、--width N   与 lab run 相同

退出码：0 全部用例通过 · 1 有用例失败，或程序无法运行（状态 error，并用文字说明）·
2 用法错误 · 130 被中断
`)

	exercisesHelp = lab.T(`lab exercises [--format text|json] lists the exercises: programs to write from
the tutorials, a client or a server of one demo's protocol. ✓ marks those
passed in this folder (.lab-progress.json). JSON: id, slug, role (client or
server), demo, title, passed.

  --lang L, --color C, --width N   as for lab run
`, `lab exercises [--format text|json] 列出所有练习：照着教程写的程序，某个演示协议的客户端
或服务端。✓ 表示在这个文件夹里已经通过（.lab-progress.json）。JSON：id、slug、
role（client 或 server）、demo、title、passed。

  --lang L、--color C、--width N   与 lab run 相同
`)

	exerciseHelp = lab.T(`lab exercise <slug> [--lang en|zh] prints an exercise: what to write, its wire
format with a byte example, and every case lab check runs.

lab exercise init <slug> [DIR] [--python|--go] [--force] writes a starter file
into DIR (default: the current folder): the statement as a comment, the
address taken from {port} or LAB_PORT, the socket set up. Python is the
default; an existing file is never overwritten without --force.

  --python, --go   the starter's language (init)
  --force          overwrite an existing file (init)
  --color C, --width N   as for lab run
`, `lab exercise <slug> [--lang en|zh] 显示一个练习：要写什么、带字节示例的线路格式，
以及 lab check 会运行的每个用例。

lab exercise init <slug> [目录] [--python|--go] [--force] 在目录（默认：当前文件夹）里写出
一个起步文件：练习说明作为注释，从 {port} 或 LAB_PORT 取得地址，套接字已经建好。
默认是 Python；已有的文件不加 --force 绝不覆盖。

  --python、--go   起步文件的语言（init）
  --force          覆盖已有的文件（init）
  --color C、--width N   与 lab run 相同
`)
)
