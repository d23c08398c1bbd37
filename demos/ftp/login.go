package ftp

import (
	"errors"
	"fmt"
	"io/fs"

	"socketlab/demos/upload"
	"socketlab/lab"
)

// login checks a user name and password against the users file (one
// scrypt at a time; a wrong password waits, doubling per failure of that
// user), then opens the user's home folder as an os.Root and counts its
// bytes for the quota at the user's first login.
func (ss *session) login(r Request) error {
	if ss.user != "" {
		return ss.refuse(r, StatusConflict, "already logged in as "+ss.user, "已经以 "+ss.user+" 登录")
	}
	srv := ss.srv
	ss.s.Key("check-password")
	ss.srv.hashing <- struct{}{}
	good := CheckName(r.User) == nil && CheckPassword(r.Password) == nil && srv.cfg.Users.Check(r.User, r.Password)
	<-ss.srv.hashing
	var acct *account
	if _, known := srv.cfg.Users.byName[r.User]; known {
		acct = srv.account(r.User)
	}
	if !good {
		ss.fails++
		n := ss.fails
		if acct != nil {
			acct.mu.Lock()
			acct.fails++
			n = max(n, acct.fails)
			acct.mu.Unlock()
		}
		d := srv.cfg.FailDelay << min(n-1, 4)
		// The note names the user but never the password.
		ss.s.Note(lab.Tf("wrong user name or password for %q (failure %d): the answer waits %v, doubling with each failure, so guessing is slow",
			"用户 %q 的用户名或密码错误（第 %d 次）：回复等待 %v，每失败一次加倍，猜密码就很慢", cutS(r.User), n, d))
		if err := srv.cfg.Sleep(ss.s.Context(), d); err != nil {
			return err
		}
		if ss.fails >= srv.cfg.MaxFails {
			ss.reply(Reply{Status: StatusTooMany, Msg: fmt.Sprintf("%d wrong passwords: closing the connection", ss.fails),
				MsgZh: fmt.Sprintf("密码错误 %d 次：关闭连接", ss.fails)})
			ss.closeAfterReply()
			return errQuit
		}
		return ss.refuse(r, StatusLogin, "wrong user name or password", "用户名或密码错误")
	}
	if err := srv.root.Mkdir(r.User, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return ss.refuse(r, StatusServer, "your home folder cannot be made", "无法创建你的主目录")
	}
	home, err := srv.root.OpenRoot(r.User)
	if err != nil {
		ss.s.Note(lab.Tf("the home folder of %s cannot be opened: %v", "无法打开 %s 的主目录：%v", r.User, err))
		return ss.refuse(r, StatusServer, "your home folder cannot be opened", "无法打开你的主目录")
	}
	acct.mu.Lock()
	acct.fails = 0
	if acct.quota == nil {
		used, err := upload.Usage(home)
		if err != nil {
			acct.mu.Unlock()
			home.Close()
			return ss.refuse(r, StatusServer, "your home folder cannot be read", "无法读取你的主目录")
		}
		acct.quota = upload.NewQuota(srv.cfg.Quota, used)
	}
	ss.usage = acct.quota
	acct.mu.Unlock()
	ss.user, ss.home, ss.acct, ss.cwd = r.User, home, acct, ""
	ss.store = upload.New(home, ss.usage)
	ss.s.SetUser(r.User)
	ss.s.Note(lab.Tf("%s logged in: from now on every name is resolved inside %s/%s, opened as an os.Root",
		"%s 已登录：从现在起，每个名字都在 %s/%s 里解析，它用 os.Root 打开", r.User, srv.cfg.Root, r.User))
	return ss.ok(Reply{User: r.User, Path: "/"}, "welcome, "+r.User, "欢迎，"+r.User)
}
