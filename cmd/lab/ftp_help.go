package main

import "socketlab/lab"

// ftpHelp is "lab help ftp".
var ftpHelp = lab.T(`lab ftp is the seeds' homework, a multi-user online FTP: a server, a client
and a users file, speaking the seed's framing (docs/wire-formats.md, "FTP").

  lab ftp adduser [--users FILE] NAME
      add a user, or change a password: asked twice without echo on a terminal,
      else from LAB_FTP_PASSWORD or the first line of stdin. Only a salted scrypt
      hash is stored. Default FILE: socketlab/ftp-users.json in your config folder.

  lab ftp serve [--listen ADDR] [--root DIR] [--users FILE] [--quota SIZE]
                [--format text|json|md|none] [--idle DUR] [--max N]
      serve every connection in its own goroutine, traced in a lane per
      connection and user ([c1 alice]). Each user is kept inside DIR/NAME (an
      os.Root: ../, absolute names, NUL and links out are refused) with at most
      SIZE bytes (0 = no limit). Default DIR: a new temporary folder, printed.
      The users file must be outside DIR. --format none for speed. A client
      that sends nothing for --idle (default 10m) is hung up.

  lab ftp client --connect ADDR [--user NAME] [-c "put a.txt; ls; get a.txt b.txt"]
                 [--format none|text|json|md] [--idle DUR]
      log in (password: LAB_FTP_PASSWORD, else asked without echo, else the first
      line of stdin) and run commands: with -c, one after the other, stopping at
      the first that fails (exit 1); on a terminal, an ftp> prompt with history;
      from a pipe, one command a line (exit 1 if any failed). Transfers show a
      progress bar on a terminal; --format puts the client's trace on stderr.
      --idle (default 2m): give up on a server that makes no progress that long.

commands: login [USER], ls [DIR], cd DIR, pwd, mkdir DIR, rm NAME,
          put LOCAL [REMOTE], get REMOTE [LOCAL], quota, quit, help
put and get resume an interrupted transfer (the server's .NAME.part, the
client's LOCAL.part) and check md5 and sha256 of the whole file.

Every subcommand also takes --lang en|zh, --color auto|always|never and --width N;
serve takes --full (every byte of the trace, no folding).

The password crosses the wire in plain text, as in the homework: the trace shows
it. Real protocols put TLS underneath (FTPS, SFTP). Demo 18 shows it all: lab run 18.
`, `lab ftp 是种子教程的作业：多用户在线 FTP。包括服务端、客户端和用户文件，使用种子教程的
报文格式（docs/wire-formats.zh.md 的 "FTP" 一节）。

  lab ftp adduser [--users 文件] 用户名
      添加用户或修改密码：在终端里不回显地输入两次，否则取 LAB_FTP_PASSWORD 或
      标准输入的第一行。只保存加盐的 scrypt 哈希。默认文件：配置文件夹里的
      socketlab/ftp-users.json。

  lab ftp serve [--listen 地址] [--root 文件夹] [--users 文件] [--quota 大小]
                [--format text|json|md|none] [--idle 时长] [--max N]
      每个连接一个 goroutine，按连接和用户分栏显示（[c1 alice]）。每个用户被限制在
      文件夹/用户名 之内（os.Root：拒绝 ../、绝对路径、NUL 和指向外面的链接），
      最多存 大小 字节（0 = 不限）。默认文件夹：新建的临时文件夹，会打印出来。
      用户文件必须在该文件夹之外。--format none 追求速度。--idle（默认 10m）内
      什么也不发的客户端会被断开。

  lab ftp client --connect 地址 [--user 用户名] [-c "put a.txt; ls; get a.txt b.txt"]
                 [--format none|text|json|md] [--idle 时长]
      登录（密码：LAB_FTP_PASSWORD，否则不回显地询问，否则取标准输入的第一行）并执行
      命令：用 -c 时逐条执行，遇到第一条失败的就停止（以 1 退出）；在终端里是带历史
      记录的 ftp> 提示符；来自管道时每行一条命令（有失败的就以 1 退出）。在终端里传输
      时显示进度条；--format 把客户端的调用跟踪输出到标准错误。
      --idle（默认 2m）：服务端这么久没有进展就放弃。

命令：login [用户名]、ls [文件夹]、cd 文件夹、pwd、mkdir 文件夹、rm 名字、
      put 本地文件 [远程名]、get 远程名 [本地文件]、quota、quit、help
put 和 get 可以从中断处续传（服务端的 .名字.part，客户端的 本地文件.part），
并检查整个文件的 md5 和 sha256。

每个子命令还接受 --lang en|zh、--color auto|always|never 和 --width N；
serve 还接受 --full（调用跟踪显示每个字节，不折叠）。

和作业一样，密码以明文在网络上传输：调用跟踪里看得见它。真正的协议在下面加一层 TLS
（FTPS、SFTP）。演示 18 展示全部过程：lab run 18。
`)
